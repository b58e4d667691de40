"""The dashboard's cache moves on by itself: every save of a row it shows, wherever it comes from
(services, the admin, commands), moves the owner's data version on in the same database transaction
(accounts.services.user_data_changed), so a rolled-back write changes nothing.

Transactions have a save receiver only: a delete receiver would make every cascade (removing an account,
deleting a user) load each of its transactions to send the signal. Transaction deletes happen in
`transaction_delete` and in bulk writers, which call `user_data_changed` themselves.
"""

from django.db.models.signals import post_delete, post_save

from accounts.services import user_data_changed
from banking.models import BankAccount, Budget, Transaction


def _changed(sender, instance, **kwargs) -> None:
    user_data_changed(instance.user_id)


def connect() -> None:
    for model in (BankAccount, Transaction, Budget):
        post_save.connect(_changed, sender=model, dispatch_uid=f"banking.data_changed.save.{model.__name__}")
    for model in (BankAccount, Budget):
        post_delete.connect(_changed, sender=model, dispatch_uid=f"banking.data_changed.delete.{model.__name__}")
