"""Every writer of what the dashboard shows moves the owner's data version on, wherever the write comes
from: the services (pages and API), the admin, and the operators' commands (banking.signals)."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from banking import services
from banking.models import MicroDepositVerification
from tests.banking.conftest import add_transaction, budget_admin_form, make_account
from tests.banking.import_helpers import media  # noqa: F401

TODAY = datetime.date.today()


def version(user) -> int:
    return User.objects.get(pk=user.pk).data_version


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def budget(owner):
    return services.budget_create(user=owner, name="Food", category="groceries", amount=40000, start_date=TODAY)


def _verify(owner):
    pending = make_account(owner, account_number="1212343456", verified=False)
    v = MicroDepositVerification.objects.get(bank_account=pending)
    return lambda: services.bank_account_verify(user=owner, bank_account=pending, amounts=[v.amount_1, v.amount_2])


def _resend(owner):
    pending = make_account(owner, account_number="3333444455", verified=False)
    MicroDepositVerification.objects.filter(bank_account=pending).update(
        expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    return lambda: services.bank_account_resend_deposits(user=owner, bank_account=pending)


def _reopen(owner, account):
    services.bank_account_close(user=owner, bank_account=account)
    return lambda: services.bank_account_reopen(user=owner, bank_account=account)


def _with_transaction(owner, account, action):
    txn = add_transaction(owner, account)
    return lambda: action(txn)


def _import_commit(owner, account):
    from tests.banking.import_helpers import import_via_service

    imp = import_via_service(owner, account, "ofx102_checking.ofx")
    return lambda: services.import_commit(user=owner, imp=imp)


def _import_undo(owner, account):
    from tests.banking.import_helpers import commit, import_via_service

    imp = commit(owner, import_via_service(owner, account, "ofx102_checking.ofx"))
    return lambda: services.import_undo(user=owner, imp=imp)


# Each entry prepares what its write needs and returns the write itself.
WRITERS = {
    "transaction_create": lambda o, a, s, b: lambda: add_transaction(o, a, amount=100),
    "transaction_update": lambda o, a, s, b: _with_transaction(
        o, a, lambda txn: services.transaction_update(user=o, txn=txn, changes={"amount": 200})
    ),
    "transaction_delete": lambda o, a, s, b: _with_transaction(
        o, a, lambda txn: services.transaction_delete(user=o, txn=txn)
    ),
    "transfer_create": lambda o, a, s, b: (
        lambda: services.transfer_create(user=o, from_account=a, to_account=s, amount=500, transaction_date=TODAY)
    ),
    "bank_account_create": lambda o, a, s, b: lambda: make_account(o, account_number="7777888899", verified=False),
    "bank_account_verify": lambda o, a, s, b: _verify(o),
    "bank_account_resend_deposits": lambda o, a, s, b: _resend(o),
    "bank_account_delete": lambda o, a, s, b: lambda: services.bank_account_delete(user=o, bank_account=s),
    "bank_account_update": lambda o, a, s, b: (
        lambda: services.bank_account_update(user=o, bank_account=a, changes={"nickname": "Renamed"})
    ),
    "bank_account_update_opening_balance": lambda o, a, s, b: (
        lambda: services.bank_account_update(user=o, bank_account=a, changes={"opening_balance": 5000})
    ),
    "bank_account_close": lambda o, a, s, b: lambda: services.bank_account_close(user=o, bank_account=s),
    "bank_account_reopen": lambda o, a, s, b: _reopen(o, s),
    "budget_create": lambda o, a, s, b: (
        lambda: services.budget_create(user=o, name="Fun", category="entertainment", amount=100, start_date=TODAY)
    ),
    "budget_update": lambda o, a, s, b: lambda: services.budget_update(user=o, budget=b, changes={"amount": 9000}),
    "budget_delete": lambda o, a, s, b: lambda: services.budget_delete(user=o, budget=b),
    "spending_rebuild": lambda o, a, s, b: lambda: services.spending_rebuild(user=o),
    "balances_recompute": lambda o, a, s, b: lambda: services.bank_account_balances_recompute(user=o),
    "import_commit": lambda o, a, s, b: _import_commit(o, a),
    "import_undo": lambda o, a, s, b: _import_undo(o, a),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_each_service_write_moves_the_version(owner, account, second_account, budget, writer):
    write = WRITERS[writer](owner, account, second_account, budget)
    before = version(owner)

    write()

    assert version(owner) > before


def test_staff_suspending_an_account_moves_the_owners_version(owner, account, staff_client):
    before = version(owner)

    staff_client.post(
        "/admin/banking/bankaccount/", {"action": "suspend_accounts", "_selected_action": [str(account.pk)]}
    )

    assert version(owner) > before


def test_staff_editing_a_budget_moves_the_owners_version(owner, budget, staff_client):
    before = version(owner)

    response = staff_client.post(
        f"/admin/banking/budget/{budget.pk}/change/", budget_admin_form(budget, amount="50000")
    )

    assert response.status_code == 302
    assert version(owner) > before


def test_seed_demo_moves_the_demo_users_version(db):
    call_command("seed_demo", verbosity=0)
    user = User.objects.get(email="demo@example.com")
    before = version(user)

    call_command("seed_demo", "--transactions", "1000", verbosity=0)

    assert version(user) > before
