"""The dashboard's cache moves on by itself: every save of a row it shows, wherever it comes from
(services, the admin, commands), moves the owner's data version on in the same database transaction
(accounts.services.user_data_changed), so a rolled-back write changes nothing.

Recurring series are on the overview too (its Upcoming list). New users get their default categories and
rules from a receiver here (banking sits above accounts, which cannot know about them).

Transactions have a save receiver only: a delete receiver would make every cascade (removing an account,
deleting a user) load each of its transactions to send the signal. Transaction deletes happen in
`transaction_delete` and in bulk writers, which call `user_data_changed` themselves.
"""

from django.db.models.signals import post_delete, post_save

from accounts.models import User
from accounts.services import user_data_changed
from banking.models import BankAccount, Budget, RecurringSeries, Transaction


def _changed(sender, instance, **kwargs) -> None:
    user_data_changed(instance.user_id)


def _user_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every new user starts with the default categories and the merchant-cleaning rules."""
    from banking.services import categories_create_defaults, rules_create_defaults

    if created and not raw:
        categories_create_defaults(user=instance)
        rules_create_defaults(user=instance)


def connect() -> None:
    for model in (BankAccount, Transaction, Budget, RecurringSeries):
        post_save.connect(_changed, sender=model, dispatch_uid=f"banking.data_changed.save.{model.__name__}")
    for model in (BankAccount, Budget, RecurringSeries):
        post_delete.connect(_changed, sender=model, dispatch_uid=f"banking.data_changed.delete.{model.__name__}")
    post_save.connect(_user_created, sender=User, dispatch_uid="banking.user_defaults")
