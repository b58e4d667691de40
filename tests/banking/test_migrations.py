"""The accounts linked before there were schemes: they become `us_ach` in the US, and their micro-deposits
become `verification` and leave the balances (banking/migrations/0003, 0004)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("banking", "0002_field_rules")]
AFTER = [("banking", "0004_existing_accounts_us_ach")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_accounts_become_us_ach_and_their_deposits_verification(owner):
    old = migrate(BEFORE)
    Account, Txn = old.get_model("banking", "BankAccount"), old.get_model("banking", "Transaction")
    account = Account.objects.create(
        user_id=owner.pk, bank_name="Harbor", account_type="checking", currency="USD", last4="1012",
        routing_number="021000021", account_number_encrypted="v1:x:y", account_fingerprint="k:f", status="active",
        balance=10000 + 37 + 45,
    )  # fmt: skip
    today = datetime.date.today()
    common = {"user_id": owner.pk, "bank_account": account, "currency": "USD", "status": "completed",
              "transaction_date": today}  # fmt: skip
    for amount in (37, 45):
        Txn.objects.create(**common, amount=amount, signed_amount=amount, type="credit", description="ACCTVERIFY",
                           category="other")  # fmt: skip
    Txn.objects.create(**common, amount=10000, signed_amount=10000, type="credit", description="Pay", category="income")

    new = migrate(AFTER)
    try:
        account = new.get_model("banking", "BankAccount").objects.get(pk=account.pk)
        rows = new.get_model("banking", "Transaction").objects.filter(bank_account_id=account.pk)
        assert (account.scheme, account.country, account.verification_method) == ("us_ach", "US", "micro_deposits")
        assert sorted(rows.filter(category="verification").values_list("amount", flat=True)) == [37, 45]
        assert rows.get(description="Pay").category == "income"
        assert account.balance == 10000 and account.opening_balance == 0 and account.opening_balance_date is None
    finally:
        migrate(executor_leaf())


def executor_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_existing_transactions_get_their_daily_flows(owner):
    """banking/migrations/0010: the daily flows of the transactions already stored, as the services keep them."""
    old = migrate([("banking", "0009_budget_rollover")])
    Account, Txn = old.get_model("banking", "BankAccount"), old.get_model("banking", "Transaction")
    account = Account.objects.create(
        user_id=owner.pk, bank_name="Harbor", account_type="checking", currency="USD", last4="1012",
        routing_number="021000021", account_number_encrypted="v1:x:y", account_fingerprint="k:f", status="active",
        scheme="us_ach", country="US",
    )  # fmt: skip
    day = datetime.date(2026, 3, 5)
    common = {"user_id": owner.pk, "bank_account": account, "currency": "USD", "transaction_date": day}
    rows = [
        ("debit", "completed", 1200, "dining", "Luigi's", "LUIGI 123"),
        ("debit", "pending", 300, "dining", "Luigi's", "LUIGI 124"),
        ("debit", "failed", 900, "dining", "Luigi's", "LUIGI 125"),
        ("credit", "completed", 400, "dining", "Luigi's", "LUIGI REFUND"),
        ("credit", "completed", 37, "verification", "", "ACCTVERIFY"),
        ("debit", "completed", 500, "other", "", "Corner shop"),
    ]
    for kind, status, amount, category, merchant, description in rows:
        Txn.objects.create(**common, type=kind, status=status, amount=amount, category=category,
                           signed_amount=amount if kind == "credit" else -amount, merchant_name=merchant,
                           description=description)  # fmt: skip

    new = migrate([("banking", "0010_insights_aggregates")])
    try:
        flows = new.get_model("banking", "DailyFlow").objects.filter(user_id=owner.pk)
        assert sorted(flows.values_list("merchant", "category", "debits", "credits", "settled")) == [
            ("Corner shop", "other", 500, 0, -500),
            ("Luigi's", "dining", 1500, 400, -800),
        ]
    finally:
        migrate(executor_leaf())
