"""The writers of categories, rules and recurring payments move the owner's data version (the dashboard's
cache), bulk ones included."""

import datetime

import pytest

from accounts.models import User
from banking import services
from banking.models import RecurringSeries
from banking.selectors import get_category_for_user
from tests.banking.conftest import add_transaction

TODAY = datetime.date.today()


def version(user) -> int:
    return User.objects.get(pk=user.pk).data_version


def _series(owner, account):
    values = {"key": "k", "merchant_name": "K", "amount": 100, "currency": "USD", "cadence": "monthly"}
    return RecurringSeries.objects.create(user=owner, bank_account=account, last_date=TODAY, next_date=TODAY, **values)


def _apply(owner, account):
    add_transaction(owner, account, description="Coffee")
    rule = services.rule_create(user=owner, name="C", conditions=[{"field": "description", "op": "contains",
                                "value": "coffee"}], actions={"category": "dining"})  # fmt: skip
    return lambda: services.rule_apply_requested(user=owner, rule=rule, dry_run=False)


def _detect(owner, account):
    for n in range(4):
        add_transaction(owner, account, amount=999, merchant_name="Gym", description="Gym",
                        day=TODAY - datetime.timedelta(days=7 * n))  # fmt: skip
    return lambda: services.recurring_detect(user=owner)


def _delete_category(owner, account):
    services.category_create(user=owner, name="Pets")
    add_transaction(owner, account, category="pets")
    return lambda: services.category_delete(user=owner, category=get_category_for_user(user=owner, slug="pets"))


WRITERS = {
    "category_create": lambda o, a: lambda: services.category_create(user=o, name="Pets"),
    "category_update": lambda o, a: (
        lambda: services.category_update(
            user=o, category=get_category_for_user(user=o, slug="dining"), changes={"name": "Eating out"}
        )
    ),
    "category_delete": _delete_category,
    "rule_apply": _apply,
    "recurring_set_status": lambda o, a: (
        lambda s: lambda: services.recurring_set_status(user=o, series=s, status="confirmed")
    )(_series(o, a)),
    "recurring_detect": _detect,
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_each_write_moves_the_version(owner, account, writer):
    write = WRITERS[writer](owner, account)
    before = version(owner)

    write()

    assert version(owner) > before
