"""Banking fixtures: accounts made through the real services (encryption, micro-deposits, verification)."""

import datetime

import pytest
from django.test import override_settings

from banking import services
from banking.models import BankAccount, MicroDepositVerification

# Valid ABA routing numbers (checksum ok).
ROUTING = "021000021"
OTHER_ROUTING = "011000015"
ACCOUNT_NUMBER = "987654321012"


def make_account(
    user,
    *,
    account_number: str = ACCOUNT_NUMBER,
    routing_number: str = ROUTING,
    bank_name: str = "Harbor National Bank",
    account_type: str = "checking",
    nickname: str = "",
    currency: str = "USD",
    verified: bool = True,
) -> BankAccount:
    """A bank account linked through `bank_account_create` (plan limit lifted), verified by default."""
    with override_settings(FREE_MAX_BANK_ACCOUNTS=1000):
        account = services.bank_account_create(
            user=user,
            account_number=account_number,
            routing_number=routing_number,
            bank_name=bank_name,
            account_type=account_type,
            nickname=nickname,
            currency=currency,
        )
    if verified:
        verification = MicroDepositVerification.objects.get(bank_account=account)
        account = services.bank_account_verify(
            user=user, bank_account=account, amounts=[verification.amount_1, verification.amount_2]
        )
    account.refresh_from_db()
    return account


def add_transaction(user, account, *, amount=1000, type="debit", day=None, **extra):
    return services.transaction_create(
        user=user,
        bank_account=account,
        amount=amount,
        type=type,
        transaction_date=day or datetime.date.today(),
        description=extra.pop("description", "Coffee"),
        **extra,
    )


@pytest.fixture
def account(owner):
    return make_account(owner, nickname="Everyday Checking")


@pytest.fixture
def second_account(owner):
    return make_account(owner, account_number="55550000111", nickname="Savings", account_type="savings")


@pytest.fixture
def outsider_account(outsider):
    return make_account(outsider, account_number="111122223333", nickname="Not yours")


@pytest.fixture
def time_machine_days(monkeypatch):
    """Move `timezone.now()` (and today) forward by a number of days."""
    from django.utils import timezone

    real_now = timezone.now

    def travel(days: int):
        shifted = real_now() + datetime.timedelta(days=days)
        monkeypatch.setattr(timezone, "now", lambda: shifted)

    return travel


def budget_admin_form(budget, **overrides) -> dict:
    """The admin's change form for `budget`, as the browser would post it, with some fields changed."""
    form = {
        "name": budget.name,
        "category": budget.category,
        "amount": str(budget.amount),
        "currency": budget.currency,
        "period": budget.period,
        "start_date": budget.start_date.isoformat(),
        "end_date": "",
        "is_active": "on",
    }
    form.update(overrides)
    return form
