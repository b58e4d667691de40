import datetime

import pytest
from django.test import override_settings

from accounts.models import AuditEvent
from banking import services
from banking.models import BankAccount, Budget, MicroDepositVerification, Transaction
from bench.cursors import transaction_cursor_at
from tests.banking.conftest import ACCOUNT_NUMBER, ROUTING, add_transaction, make_account

TODAY = datetime.date.today()


def account_form(**overrides):
    data = {
        "bank_name": "Harbor National Bank",
        "nickname": "Bills",
        "account_type": "checking",
        "routing_number": ROUTING,
        "account_number": ACCOUNT_NUMBER,
        "currency": "USD",
    }
    data.update(overrides)
    return data


# --- overview -------------------------------------------------------------------------------------


def test_dashboard_without_accounts_invites_to_link_one(owner_client):
    response = owner_client.get("/dashboard/")

    assert response.status_code == 200
    assert b"Link your first bank account" in response.content
    assert b"Free" in response.content


def test_dashboard_shows_balances_totals_chart_budgets_recent_and_plan(owner, owner_client, account):
    euro = make_account(owner, account_number="4444333322", currency="EUR", nickname="Euro")
    add_transaction(owner, account, amount=4321, category="groceries", description="Weekly shop")
    add_transaction(owner, euro, amount=999, category="dining", description="Café")
    services.budget_create(user=owner, name="Food", category="groceries", amount=10000, start_date=TODAY.replace(day=1))

    content = owner_client.get("/dashboard/").content.decode()

    assert "Total balance · USD" in content and "Total balance · EUR" in content
    assert '<svg class="chart spending-chart"' in content and "$43.21" in content and "€9.99" in content
    assert "<progress" in content and "Food" in content
    assert "Weekly shop" in content
    assert "Plan" in content and "/pricing" in content


def test_totals_are_never_summed_across_currencies(owner, owner_client, account):
    euro = make_account(owner, account_number="4444333322", currency="EUR")
    add_transaction(owner, account, amount=100000, type="credit")
    add_transaction(owner, euro, amount=200000, type="credit")
    account.refresh_from_db()
    euro.refresh_from_db()

    content = owner_client.get("/dashboard/").content.decode()

    from banking.money import format_money

    assert format_money(account.balance, "USD") in content and format_money(euro.balance, "EUR") in content
    assert format_money(account.balance + euro.balance, "USD") not in content


# --- accounts -------------------------------------------------------------------------------------


def test_accounts_list_shows_masked_numbers_and_balances(owner_client, account):
    content = owner_client.get("/dashboard/accounts/").content.decode()

    assert "•••• 1012" in content and "Everyday Checking" in content
    assert ACCOUNT_NUMBER not in content


def test_adding_an_account_sends_deposits_and_goes_to_verify(owner, owner_client):
    response = owner_client.post("/dashboard/accounts/new", account_form())

    account = BankAccount.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"] == f"/dashboard/accounts/{account.pk}/verify"
    assert Transaction.objects.filter(bank_account=account, description="ACCTVERIFY").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"account_number": "12"}, "account_number"),
        ({"account_number": "abcdefgh"}, "account_number"),
        ({"routing_number": "021000022"}, "routing_number"),
        ({"bank_name": ""}, "bank_name"),
        ({"currency": "XYZ"}, "currency"),
        ({"account_type": "brokerage"}, "account_type"),
    ],
)
def test_bad_account_form_is_400_with_the_field_message_and_writes_nothing(owner_client, overrides, field):
    response = owner_client.post("/dashboard/accounts/new", account_form(**overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not BankAccount.objects.exists()


def test_account_form_never_echoes_the_number_back(owner_client):
    response = owner_client.post("/dashboard/accounts/new", account_form(routing_number="021000022"))

    assert ACCOUNT_NUMBER not in response.content.decode()


def test_duplicate_account_is_a_form_error(owner, owner_client, account):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=5):
        response = owner_client.post("/dashboard/accounts/new", account_form())

    assert response.status_code == 400
    assert "already linked" in response.context["form"].errors["account_number"][0]
    assert BankAccount.objects.filter(user=owner).count() == 1


def test_over_the_free_limit_the_page_offers_an_upgrade(owner_client, account):
    get = owner_client.get("/dashboard/accounts/new")
    post = owner_client.post("/dashboard/accounts/new", account_form(account_number="1111222233"))

    assert (
        get.status_code == 200 and b'href="/pricing"' in get.content and b"<form" not in get.content.split(b"<main")[1]
    )
    assert post.status_code == 402 and b'href="/pricing"' in post.content
    assert BankAccount.objects.count() == 1


def test_accounts_list_offers_an_upgrade_at_the_limit(owner_client, account):
    content = owner_client.get("/dashboard/accounts/").content.decode()

    assert "Upgrade to add more" in content


def test_account_detail_shows_masked_number_and_reveal_button(owner_client, account):
    content = owner_client.get(f"/dashboard/accounts/{account.pk}/").content.decode()

    assert "•••• 1012" in content and "Reveal the full number" in content
    assert ACCOUNT_NUMBER not in content


def test_reveal_asks_for_the_password_first(owner_client, account):
    response = owner_client.post(f"/dashboard/accounts/{account.pk}/reveal")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not AuditEvent.objects.filter(action="bank_account.number_revealed").exists()


def test_reveal_after_reauthentication_shows_the_number_briefly_and_audits(owner_client, account):
    from tests.conftest import PASSWORD

    owner_client.post(f"/dashboard/accounts/{account.pk}/reveal")
    response = owner_client.post(
        f"/accounts/reauthenticate/?next=/dashboard/accounts/{account.pk}/reveal", {"password": PASSWORD}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert ACCOUNT_NUMBER in content and 'data-hide-after="60"' in content
    assert "no-store" in response.get("Cache-Control", "")
    assert AuditEvent.objects.filter(action="bank_account.number_revealed").count() == 1


def test_reveal_is_post_only(owner_client, account):
    assert owner_client.get(f"/dashboard/accounts/{account.pk}/reveal").status_code == 405


def test_verify_page_verifies_with_the_deposit_amounts(owner, owner_client):
    account = make_account(owner, verified=False)
    v = MicroDepositVerification.objects.get(bank_account=account)

    response = owner_client.post(
        f"/dashboard/accounts/{account.pk}/verify",
        {"amount_1": f"0.{v.amount_2:02d}", "amount_2": f"0.{v.amount_1:02d}"},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == "active"


def test_verify_page_wrong_amounts_says_attempts_left(owner, owner_client):
    account = make_account(owner, verified=False)
    v = MicroDepositVerification.objects.get(bank_account=account)
    bad = "0.99" if v.amount_1 != 99 and v.amount_2 != 99 else "0.98"

    response = owner_client.post(f"/dashboard/accounts/{account.pk}/verify", {"amount_1": bad, "amount_2": bad})

    assert response.status_code == 400
    assert "2 attempts left" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"amount_1": "abc", "amount_2": "0.10"},
        {"amount_1": "1.50", "amount_2": "0.10"},
        {"amount_1": "0", "amount_2": "0.10"},
        {"amount_1": "-0.10", "amount_2": "0.10"},
        {"amount_1": "0.105", "amount_2": "0.10"},
        {"amount_1": "", "amount_2": ""},
    ],
)
def test_verify_page_bad_input_does_not_count_an_attempt(owner, owner_client, data):
    account = make_account(owner, verified=False)

    response = owner_client.post(f"/dashboard/accounts/{account.pk}/verify", data)

    assert response.status_code == 400
    assert MicroDepositVerification.objects.get(bank_account=account).attempts == 0


def test_remove_account_confirms_then_deletes(owner_client, account):
    confirm = owner_client.get(f"/dashboard/accounts/{account.pk}/delete")
    response = owner_client.post(f"/dashboard/accounts/{account.pk}/delete")

    assert confirm.status_code == 200 and b"Remove account" in confirm.content
    assert response.status_code == 302 and not BankAccount.objects.exists()


# --- transactions ---------------------------------------------------------------------------------


def txn_form(account, **overrides):
    data = {
        "bank_account_id": str(account.pk),
        "type": "debit",
        "amount": "12.34",
        "transaction_date": TODAY.isoformat(),
        "description": "Groceries",
        "merchant_name": "Trader Joe's",
        "category": "groceries",
        "status": "completed",
        "posting_date": "",
    }
    data.update(overrides)
    return data


def test_history_lists_transactions_newest_first(owner, owner_client, account):
    add_transaction(owner, account, description="Older", day=TODAY - datetime.timedelta(days=3))
    add_transaction(owner, account, description="Newer")

    content = owner_client.get("/dashboard/transactions/").content.decode()

    assert content.index("Newer") < content.index("Older")


def test_history_filters(owner, owner_client, account):
    add_transaction(owner, account, description="Lunch", category="dining")
    add_transaction(owner, account, description="Apples", category="groceries", merchant_name="Farm stand")

    by_category = owner_client.get("/dashboard/transactions/", {"category": "dining"}).content.decode()
    by_search = owner_client.get("/dashboard/transactions/", {"q": "farm"}).content.decode()
    by_type = owner_client.get("/dashboard/transactions/", {"type": "credit"}).content.decode()

    assert "Lunch" in by_category and "Apples" not in by_category
    assert "Apples" in by_search and "Lunch" not in by_search
    assert "ACCTVERIFY" in by_type and "Lunch" not in by_type


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2025-02-30"},
        {"date_from": "2025-03-10", "date_to": "2025-03-01"},
        {"category": "nope"},
        {"account": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_bad_filters_are_400_with_messages(owner_client, account, params):
    response = owner_client.get("/dashboard/transactions/", params)

    assert response.status_code == 400
    assert response.context["form"].errors


def test_outsiders_account_id_as_filter_is_rejected(owner_client, account, outsider_account):
    response = owner_client.get("/dashboard/transactions/", {"account": str(outsider_account.pk)})

    assert response.status_code == 400
    assert b"Not yours" not in response.content


def test_history_pages_with_cursor_links(owner, owner_client, account):
    for i in range(55):
        add_transaction(owner, account, description=f"Row {i}")

    first = owner_client.get("/dashboard/transactions/")
    next_cursor = first.context["page"].next_cursor
    second = owner_client.get("/dashboard/transactions/", {"cursor": next_cursor})

    assert "Older" in first.content.decode()
    assert len(first.context["page"].items) == 50 and len(second.context["page"].items) == 7
    assert "Newer" in second.content.decode()


def test_bad_cursor_shows_the_first_page(owner_client, account):
    response = owner_client.get("/dashboard/transactions/", {"cursor": "nonsense"})

    assert response.status_code == 200
    assert response.context["page"].items


def test_add_transaction_page(owner, owner_client, account):
    response = owner_client.post("/dashboard/transactions/new", txn_form(account))

    assert response.status_code == 302
    txn = Transaction.objects.get(user=owner, description="Groceries")
    assert txn.amount == 1234 and txn.signed_amount == -1234


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "99999999999999"}, "amount"),
        ({"transaction_date": "2025-02-30"}, "transaction_date"),
        ({"transaction_date": ""}, "transaction_date"),
        ({"posting_date": "2000-01-01"}, "posting_date"),
        ({"description": ""}, "description"),
        ({"category": "crypto"}, "category"),
        ({"type": "transfer"}, "type"),
        ({"bank_account_id": "00000000-0000-0000-0000-000000000000"}, "bank_account_id"),
    ],
)
def test_bad_transaction_form_is_400_and_writes_nothing(owner_client, account, overrides, field):
    count = Transaction.objects.count()

    response = owner_client.post("/dashboard/transactions/new", txn_form(account, **overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field], response.context["form"].errors
    assert Transaction.objects.count() == count


def test_add_transaction_to_outsiders_account_is_refused(owner_client, account, outsider_account):
    response = owner_client.post("/dashboard/transactions/new", txn_form(outsider_account))

    assert response.status_code == 400
    assert not Transaction.objects.filter(bank_account=outsider_account, description="Groceries").exists()


def test_jpy_account_takes_whole_amounts(owner, owner_client):
    yen = make_account(owner, account_number="77778888", currency="JPY")

    bad = owner_client.post("/dashboard/transactions/new", txn_form(yen, amount="12.5"))
    good = owner_client.post("/dashboard/transactions/new", txn_form(yen, amount="1250"))

    assert bad.status_code == 400 and "whole numbers" in bad.content.decode()
    assert good.status_code == 302
    assert Transaction.objects.get(bank_account=yen, description="Groceries").amount == 1250


def test_edit_transaction_page(owner, owner_client, account):
    txn = add_transaction(owner, account, amount=1000)

    page = owner_client.get(f"/dashboard/transactions/{txn.pk}/edit")
    response = owner_client.post(f"/dashboard/transactions/{txn.pk}/edit", txn_form(account, amount="20.00"))

    assert page.status_code == 200 and b'value="10.00"' in page.content
    assert response.status_code == 302
    txn.refresh_from_db()
    assert txn.amount == 2000


def test_edit_transaction_bad_amount_is_400(owner, owner_client, account):
    txn = add_transaction(owner, account, amount=1000)

    response = owner_client.post(f"/dashboard/transactions/{txn.pk}/edit", txn_form(account, amount="-1"))

    assert response.status_code == 400
    txn.refresh_from_db()
    assert txn.amount == 1000


def test_delete_transaction_page(owner, owner_client, account):
    txn = add_transaction(owner, account)

    assert owner_client.get(f"/dashboard/transactions/{txn.pk}/delete").status_code == 200
    response = owner_client.post(f"/dashboard/transactions/{txn.pk}/delete")

    assert response.status_code == 302 and not Transaction.objects.filter(pk=txn.pk).exists()


def test_transfer_page(owner, owner_client, account, second_account):
    response = owner_client.post(
        "/dashboard/transactions/transfer",
        {
            "from_account_id": str(account.pk),
            "to_account_id": str(second_account.pk),
            "amount": "50.00",
            "transaction_date": TODAY.isoformat(),
            "description": "",
        },
    )

    assert response.status_code == 302
    assert Transaction.objects.filter(type="transfer").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to_account_id": "SAME"}, "to_account_id"),
        ({"amount": "0"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"transaction_date": "2025-13-01"}, "transaction_date"),
        ({"to_account_id": "OUTSIDER"}, "to_account_id"),
    ],
)
def test_bad_transfer_is_400_and_writes_nothing(
    owner_client, account, second_account, outsider_account, overrides, field
):
    data = {
        "from_account_id": str(account.pk),
        "to_account_id": str(second_account.pk),
        "amount": "50.00",
        "transaction_date": TODAY.isoformat(),
    }
    data.update(overrides)
    if data["to_account_id"] == "SAME":
        data["to_account_id"] = str(account.pk)
    if data["to_account_id"] == "OUTSIDER":
        data["to_account_id"] = str(outsider_account.pk)

    response = owner_client.post("/dashboard/transactions/transfer", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Transaction.objects.filter(type="transfer").exists()


# --- budgets --------------------------------------------------------------------------------------


def budget_form(**overrides):
    data = {
        "name": "Groceries",
        "category": "groceries",
        "amount": "400",
        "currency": "USD",
        "period": "monthly",
        "start_date": TODAY.replace(day=1).isoformat(),
        "end_date": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_budgets_page_shows_progress_and_over_budget(owner, owner_client, account):
    services.budget_create(user=owner, name="Food", category="groceries", amount=1000, start_date=TODAY.replace(day=1))
    add_transaction(owner, account, amount=1500, category="groceries")

    content = owner_client.get("/dashboard/budgets/").content.decode()

    assert "<progress" in content and 'class="over-budget"' in content and "Over by $5.00" in content


def test_add_budget_page(owner, owner_client):
    response = owner_client.post("/dashboard/budgets/new", budget_form())

    assert response.status_code == 302
    assert Budget.objects.get(user=owner).amount == 40000


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-10"}, "amount"),
        ({"amount": "1e9"}, "amount"),
        ({"amount": "20000000000"}, "amount"),
        ({"currency": "ZZZ"}, "currency"),
        ({"start_date": "2025-02-31"}, "start_date"),
        ({"end_date": "2000-01-01"}, "end_date"),
        ({"period": "hourly"}, "period"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_budget_form_is_400_and_writes_nothing(owner_client, overrides, field):
    response = owner_client.post("/dashboard/budgets/new", budget_form(**overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Budget.objects.exists()


def test_edit_and_delete_budget_pages(owner, owner_client):
    b = services.budget_create(user=owner, name="Food", category="groceries", amount=1000, start_date=TODAY)

    edit = owner_client.post(f"/dashboard/budgets/{b.pk}/edit", budget_form(name="Food & drink", amount="25"))
    b.refresh_from_db()
    assert edit.status_code == 302 and b.name == "Food & drink" and b.amount == 2500

    assert owner_client.get(f"/dashboard/budgets/{b.pk}/delete").status_code == 200
    assert owner_client.post(f"/dashboard/budgets/{b.pk}/delete").status_code == 302
    assert not Budget.objects.exists()


# --- isolation: every page with another user's id is a 404 ------------------------------------------


@pytest.fixture
def owners_objects(owner, account):
    txn = add_transaction(owner, account)
    budget = services.budget_create(user=owner, name="Food", category="groceries", amount=1000, start_date=TODAY)
    return {"account": account.pk, "txn": txn.pk, "budget": budget.pk}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/dashboard/accounts/{account}/"),
        ("get", "/dashboard/accounts/{account}/verify"),
        ("post", "/dashboard/accounts/{account}/verify"),
        ("post", "/dashboard/accounts/{account}/deposits"),
        ("post", "/dashboard/accounts/{account}/reveal"),
        ("get", "/dashboard/accounts/{account}/delete"),
        ("post", "/dashboard/accounts/{account}/delete"),
        ("get", "/dashboard/transactions/{txn}/edit"),
        ("post", "/dashboard/transactions/{txn}/edit"),
        ("get", "/dashboard/transactions/{txn}/delete"),
        ("post", "/dashboard/transactions/{txn}/delete"),
        ("get", "/dashboard/budgets/{budget}/edit"),
        ("post", "/dashboard/budgets/{budget}/edit"),
        ("get", "/dashboard/budgets/{budget}/delete"),
        ("post", "/dashboard/budgets/{budget}/delete"),
    ],
)
def test_outsider_gets_404(outsider_client, owners_objects, method, path):
    before = (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count())

    response = getattr(outsider_client, method)(path.format(**owners_objects), {"amount_1": "0.10", "amount_2": "0.20"})

    assert response.status_code == 404
    assert (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count()) == before


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/dashboard/accounts/", "/dashboard/transactions/", "/dashboard/budgets/"]
)
def test_outsider_lists_show_none_of_the_owners_data(outsider_client, owners_objects, path):
    content = outsider_client.get(path).content.decode()

    assert "Everyday Checking" not in content and "Coffee" not in content and "Food" not in content


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/accounts/",
        "/dashboard/accounts/new",
        "/dashboard/transactions/",
        "/dashboard/transactions/new",
        "/dashboard/transactions/transfer",
        "/dashboard/budgets/",
        "/dashboard/budgets/new",
    ],
)
def test_anonymous_visitors_go_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/sign-in?next=")


# --- fixed query counts -----------------------------------------------------------------------------


def fill(user, accounts, n):
    budgets = [
        services.budget_create(
            user=user, name=f"B{i}", category=c, amount=5000, period=p, start_date=TODAY.replace(day=1)
        )
        for i, (c, p) in enumerate([("groceries", "monthly"), ("dining", "weekly"), ("travel", "yearly")])
    ]
    rows = []
    for i in range(n):
        account = accounts[i % len(accounts)]
        rows.append(
            Transaction(
                user=user,
                bank_account=account,
                amount=100 + i,
                signed_amount=-(100 + i),
                currency=account.currency,
                type="debit",
                status="completed",
                description=f"Row {i}",
                category=("groceries", "dining", "travel", "shopping")[i % 4],
                transaction_date=TODAY - datetime.timedelta(days=i % 20),
            )
        )
    Transaction.objects.bulk_create(rows)
    services.bank_account_balances_recompute(user=user)
    services.spending_rebuild(user=user)
    return budgets


def count_queries(client, path, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # the first request of a session does its own bookkeeping
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/dashboard/", 12), ("/dashboard/accounts/", 8), ("/dashboard/transactions/", 8), ("/dashboard/budgets/", 8)],
)
def test_pages_run_a_fixed_number_of_queries(
    owner, owner_client, account, second_account, path, limit, django_assert_max_num_queries
):
    fill(owner, [account, second_account], 5)
    few = count_queries(owner_client, path, django_assert_max_num_queries)

    fill(owner, [account, second_account], 500)
    with django_assert_max_num_queries(limit):
        response = owner_client.get(path)
    many = count_queries(owner_client, path, django_assert_max_num_queries)

    assert response.status_code == 200
    assert many == few


def test_account_detail_runs_a_fixed_number_of_queries(owner, owner_client, account, django_assert_max_num_queries):
    fill(owner, [account], 5)
    few = count_queries(owner_client, f"/dashboard/accounts/{account.pk}/", django_assert_max_num_queries)
    fill(owner, [account], 300)

    assert count_queries(owner_client, f"/dashboard/accounts/{account.pk}/", django_assert_max_num_queries) == few


def test_deep_history_page_runs_the_same_queries_as_the_first(
    owner, owner_client, account, django_assert_max_num_queries
):
    fill(owner, [account], 300)
    cursor = transaction_cursor_at(user=owner, position=250)

    first = count_queries(owner_client, "/dashboard/transactions/", django_assert_max_num_queries)
    deep = count_queries(owner_client, f"/dashboard/transactions/?cursor={cursor}", django_assert_max_num_queries)

    assert first == deep
