import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from accounts.models import AuditEvent
from banking import services
from banking.models import BankAccount, DailySpending, Transaction
from tests.banking.conftest import add_transaction, make_account

TODAY = datetime.date.today()


def balance(account):
    account.refresh_from_db()
    return account.balance


def completed_sum(account):
    """What the balance counts: completed transactions, never the verification deposits."""
    counted = Transaction.objects.filter(bank_account=account, status="completed").exclude(category="verification")
    return counted.aggregate(s=Sum("signed_amount"))["s"] or 0


def spending(user, category="groceries"):
    return DailySpending.objects.filter(user=user, category=category).aggregate(s=Sum("amount"))["s"] or 0


def test_debit_lowers_and_credit_raises_the_balance(owner, account):
    start = balance(account)

    add_transaction(owner, account, amount=2500, type="debit")
    add_transaction(owner, account, amount=10000, type="credit")

    assert balance(account) == start - 2500 + 10000 == completed_sum(account)


def test_signed_amount_is_negative_when_money_leaves(owner, account):
    txn = add_transaction(owner, account, amount=2500, type="debit")

    assert txn.amount == 2500 and txn.signed_amount == -2500 and txn.currency == "USD"


def test_pending_and_failed_transactions_do_not_move_the_balance(owner, account):
    start = balance(account)

    add_transaction(owner, account, amount=2500, status="pending")
    add_transaction(owner, account, amount=2500, status="failed")

    assert balance(account) == start


def test_create_is_audited(owner, account):
    txn = add_transaction(owner, account)

    assert AuditEvent.objects.filter(action="transaction.created", details__transaction_id=str(txn.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": 0}, "amount", "greater than zero"),
        ({"amount": -5}, "amount", "greater than zero"),
        ({"amount": 10**12 + 1}, "amount", "too large"),
        ({"amount": "12.50"}, "amount", "whole number of minor units"),
        ({"amount": 12.5}, "amount", "whole number of minor units"),
        ({"amount": True}, "amount", "whole number of minor units"),
        ({"type": "transfer"}, "type", "transfer"),
        ({"type": "refund"}, "type", "debit, credit"),
        ({"status": "done"}, "status", "pending, completed, failed"),
        ({"category": "bitcoin"}, "category", "Choose a category"),
        ({"description": ""}, "description", "Enter a description"),
        ({"description": "x" * 256}, "description", "at most 255"),
        ({"day": "2025-02-30"}, "transaction_date", "real date"),
        ({"day": "31/01/2025"}, "transaction_date", "real date"),
        ({"day": datetime.date(1800, 1, 1)}, "transaction_date", "between 1900"),
        ({"day": TODAY + datetime.timedelta(days=400)}, "transaction_date", "between 1900"),
        ({"posting_date": TODAY - datetime.timedelta(days=3)}, "posting_date", "before the transaction date"),
    ],
)
def test_bad_input_is_rejected_per_field_and_nothing_is_written(owner, account, overrides, field, message):
    start = balance(account)
    count = Transaction.objects.count()

    with pytest.raises(ValidationError) as info:
        add_transaction(owner, account, **overrides)

    assert any(message in m for m in info.value.message_dict[field]), info.value.message_dict
    assert Transaction.objects.count() == count and balance(account) == start


def test_external_id_is_unique_per_account(owner, account):
    add_transaction(owner, account, external_id="bank-1")

    with pytest.raises(ValidationError) as info:
        add_transaction(owner, account, external_id="bank-1")

    assert "external_id" in info.value.message_dict


def test_pending_account_takes_no_transactions(owner):
    account = make_account(owner, verified=False)

    with pytest.raises(ValidationError) as info:
        add_transaction(owner, account)

    assert "not verified" in info.value.message_dict["bank_account_id"][0]


def test_suspended_account_takes_no_transactions(owner, account, staff):
    services.bank_account_suspend(actor=staff, bank_account=account)
    account.refresh_from_db()

    with pytest.raises(ValidationError) as info:
        add_transaction(owner, account)

    assert "suspended" in info.value.message_dict["bank_account_id"][0]


def test_someone_elses_account_is_refused(outsider, account):
    with pytest.raises(BankAccount.DoesNotExist):
        add_transaction(outsider, account)


def test_update_moves_the_balance_by_the_difference(owner, account):
    txn = add_transaction(owner, account, amount=1000)

    services.transaction_update(user=owner, txn=txn, changes={"amount": 4000, "type": "credit"})

    assert balance(account) == completed_sum(account)
    txn.refresh_from_db()
    assert txn.signed_amount == 4000


def test_update_to_failed_takes_it_out_of_the_balance(owner, account):
    start = balance(account)
    txn = add_transaction(owner, account, amount=1000)

    services.transaction_update(user=owner, txn=txn, changes={"status": "failed"})

    assert balance(account) == start


def test_update_rejects_bad_values_and_changes_nothing(owner, account):
    txn = add_transaction(owner, account, amount=1000)

    with pytest.raises(ValidationError) as info:
        services.transaction_update(user=owner, txn=txn, changes={"amount": -1, "bank_account_id": "x", "id": "y"})

    assert set(info.value.message_dict) == {"amount", "bank_account_id", "id"}
    txn.refresh_from_db()
    assert txn.amount == 1000


def test_delete_restores_the_balance_and_is_audited(owner, account):
    start = balance(account)
    txn = add_transaction(owner, account, amount=1000)

    services.transaction_delete(user=owner, txn=txn)

    assert balance(account) == start
    assert AuditEvent.objects.filter(action="transaction.deleted").exists()


def test_spending_sums_follow_create_update_and_delete(owner, account):
    txn = add_transaction(owner, account, amount=1000, category="groceries")
    add_transaction(owner, account, amount=500, category="groceries", status="pending")
    add_transaction(owner, account, amount=700, category="groceries", status="failed")
    add_transaction(owner, account, amount=900, category="groceries", type="credit")
    assert spending(owner) == 1500

    services.transaction_update(user=owner, txn=txn, changes={"amount": 3000})
    assert spending(owner) == 3500
    services.transaction_update(user=owner, txn=txn, changes={"category": "dining"})
    assert spending(owner) == 500 and spending(owner, "dining") == 3000
    services.transaction_delete(user=owner, txn=txn)
    assert spending(owner, "dining") == 0


def test_spending_rebuild_matches_the_running_sums(owner, account):
    for amount in (100, 250, 999):
        add_transaction(owner, account, amount=amount, category="groceries")
    before = spending(owner)

    services.spending_rebuild(user=owner)

    assert spending(owner) == before == 1349


# --- transfers ------------------------------------------------------------------------------------


def test_transfer_makes_two_linked_transactions(owner, account, second_account):
    a, b = balance(account), balance(second_account)

    out, into = services.transfer_create(
        user=owner, from_account=account, to_account=second_account, amount=5000, transaction_date=TODAY
    )

    assert out.transfer_pair_id == into.transfer_pair_id is not None
    assert (out.type, out.signed_amount, into.signed_amount) == ("transfer", -5000, 5000)
    assert balance(account) == a - 5000 and balance(second_account) == b + 5000
    assert AuditEvent.objects.filter(action="transfer.created").exists()


def test_transfer_is_not_spending(owner, account, second_account):
    services.transfer_create(
        user=owner, from_account=account, to_account=second_account, amount=5000, transaction_date=TODAY
    )

    assert not DailySpending.objects.filter(user=owner).exclude(amount=0).exists()


def test_transfer_to_the_same_account_is_refused(owner, account):
    with pytest.raises(ValidationError) as info:
        services.transfer_create(
            user=owner, from_account=account, to_account=account, amount=5000, transaction_date=TODAY
        )

    assert "to_account_id" in info.value.message_dict
    assert not Transaction.objects.filter(type="transfer").exists()


def test_transfer_across_currencies_without_to_amount_is_refused(owner, account):
    euro = make_account(owner, account_number="4444333322", currency="EUR")

    with pytest.raises(ValidationError) as info:
        services.transfer_create(user=owner, from_account=account, to_account=euro, amount=5000, transaction_date=TODAY)

    assert "send to_amount" in info.value.message_dict["to_amount"][0]
    assert not Transaction.objects.filter(type="transfer").exists()


def test_transfer_to_someone_elses_account_is_refused(owner, account, outsider_account):
    with pytest.raises(BankAccount.DoesNotExist):
        services.transfer_create(
            user=owner, from_account=account, to_account=outsider_account, amount=5000, transaction_date=TODAY
        )


@pytest.mark.parametrize(
    ("amount", "day", "field"),
    [(0, TODAY, "amount"), (-10, TODAY, "amount"), ("ten", TODAY, "amount"), (10, "2025-13-01", "transaction_date")],
)
def test_transfer_bad_input_writes_nothing(owner, account, second_account, amount, day, field):
    with pytest.raises(ValidationError) as info:
        services.transfer_create(
            user=owner, from_account=account, to_account=second_account, amount=amount, transaction_date=day
        )

    assert field in info.value.message_dict
    assert not Transaction.objects.filter(type="transfer").exists()


def test_deleting_one_leg_removes_the_whole_transfer(owner, account, second_account):
    a, b = balance(account), balance(second_account)
    out, _ = services.transfer_create(
        user=owner, from_account=account, to_account=second_account, amount=5000, transaction_date=TODAY
    )

    assert services.transaction_delete(user=owner, txn=out) == 2

    assert balance(account) == a and balance(second_account) == b


def test_transfer_leg_amount_cannot_change(owner, account, second_account):
    out, _ = services.transfer_create(
        user=owner, from_account=account, to_account=second_account, amount=5000, transaction_date=TODAY
    )

    with pytest.raises(ValidationError) as info:
        services.transaction_update(user=owner, txn=out, changes={"amount": 10})
    services.transaction_update(user=owner, txn=out, changes={"description": "Rainy day fund"})

    assert "amount" in info.value.message_dict
    out.refresh_from_db()
    assert out.description == "Rainy day fund" and out.amount == 5000


def test_balances_recompute_matches_running_balances(owner, account, second_account):
    add_transaction(owner, account, amount=1234)
    services.transfer_create(
        user=owner, from_account=account, to_account=second_account, amount=500, transaction_date=TODAY
    )
    before = (balance(account), balance(second_account))

    services.bank_account_balances_recompute(user=owner)

    assert (balance(account), balance(second_account)) == before
