import datetime

import pytest
from django.test import override_settings

from banking import services
from banking.models import BankAccount, Budget, MicroDepositVerification, Transaction
from tests.banking.conftest import ACCOUNT_NUMBER, ROUTING, add_transaction, make_account

TODAY = datetime.date.today()
ACCOUNT_KEYS = {
    "id", "bank_name", "nickname", "account_type", "currency", "country", "scheme", "last4", "routing_number", "bic",
    "status", "is_verified", "verification_method", "balance", "opening_balance", "opening_balance_date",
    "created_at", "closed_at",
}  # fmt: skip
TRANSACTION_KEYS = {
    "id", "bank_account_id", "amount", "signed_amount", "currency", "type", "status", "description", "category",
    "merchant_name", "transaction_date", "posting_date", "external_id", "transfer_pair_id", "import_id", "created_at",
}  # fmt: skip
BUDGET_KEYS = {
    "id", "name", "category", "amount", "currency", "period", "start_date", "end_date", "is_active", "rollover",
    "period_start_day", "period_start", "period_end", "carried_over", "spent", "remaining", "percent_used",
}  # fmt: skip


def new_account_body(**overrides):
    body = {
        "account_number": ACCOUNT_NUMBER,
        "routing_number": ROUTING,
        "bank_name": "Harbor National Bank",
        "account_type": "checking",
        "nickname": "Bills",
    }
    body.update(overrides)
    return body


def assert_validation_error(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["fields"][field] and all(isinstance(m, str) for m in body["fields"][field])


# --- bank accounts --------------------------------------------------------------------------------


def test_create_bank_account_answers_201_with_the_object(api):
    response = api.post("/api/bank-accounts", new_account_body())

    assert response.status_code == 201
    data = response.json()["bank_account"]
    assert set(data) == ACCOUNT_KEYS
    assert data["last4"] == "1012" and data["status"] == "pending" and data["is_verified"] is False
    assert data["currency"] == "USD" and data["verification_method"] == "micro_deposits"
    assert ACCOUNT_NUMBER not in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"account_number": "12"}, "account_number"),
        ({"account_number": 123456789}, "account_number"),
        ({"account_number": None}, "account_number"),
        ({"routing_number": "021000022"}, "routing_number"),
        ({"routing_number": ""}, "routing_number"),
        ({"bank_name": ""}, "bank_name"),
        ({"bank_name": 42}, "bank_name"),
        ({"account_type": "brokerage"}, "account_type"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": 840}, "currency"),
    ],
)
def test_create_bank_account_bad_input_is_400_per_field_and_stores_nothing(api, overrides, field):
    response = api.post("/api/bank-accounts", new_account_body(**overrides))

    assert_validation_error(response, field)
    assert not BankAccount.objects.exists()


def test_create_bank_account_with_a_non_object_body_is_400(api):
    response = api.client.post("/api/bank-accounts", "[1, 2]", content_type="application/json", headers=api._headers())

    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_duplicate_bank_account_is_409(api):
    with override_settings(FREE_MAX_BANK_ACCOUNTS=5):
        api.post("/api/bank-accounts", new_account_body())
        response = api.post("/api/bank-accounts", new_account_body(nickname="again"))

    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert BankAccount.objects.count() == 1


def test_over_the_free_limit_is_402(api):
    api.post("/api/bank-accounts", new_account_body())
    response = api.post("/api/bank-accounts", new_account_body(account_number="111122223333"))

    assert response.status_code == 402 and response.json()["error"] == "subscription_required"
    assert BankAccount.objects.count() == 1


def test_list_bank_accounts_pages_with_cursor(owner, api):
    for i in range(3):
        make_account(owner, account_number=f"1000{i}0000")

    first = api.get("/api/bank-accounts", limit=2).json()
    second = api.get("/api/bank-accounts", limit=2, cursor=first["next_cursor"]).json()

    assert len(first["bank_accounts"]) == 2 and first["next_cursor"]
    assert len(second["bank_accounts"]) == 1 and second["next_cursor"] is None
    assert {a["id"] for a in first["bank_accounts"] + second["bank_accounts"]} == {
        str(a.pk) for a in BankAccount.objects.filter(user=owner)
    }


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "bad"}])
def test_list_bad_query_is_400(api, account, params):
    response = api.get("/api/bank-accounts", **params)

    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_get_and_delete_one_bank_account(api, account):
    got = api.get(f"/api/bank-accounts/{account.pk}")
    deleted = api.delete(f"/api/bank-accounts/{account.pk}")

    assert got.status_code == 200 and got.json()["bank_account"]["id"] == str(account.pk)
    assert got.json()["bank_account"]["balance"] == account.balance
    assert deleted.status_code == 204 and not BankAccount.objects.exists()


def test_verify_with_the_right_amounts(owner, api):
    account = make_account(owner, verified=False)
    v = MicroDepositVerification.objects.get(bank_account=account)

    response = api.post(f"/api/bank-accounts/{account.pk}/verify", {"amounts": [v.amount_2, v.amount_1]})

    assert response.status_code == 200
    assert response.json()["bank_account"]["status"] == "active"
    assert response.json()["bank_account"]["is_verified"] is True


def test_verify_wrong_amounts_is_400_with_attempts_left(owner, api):
    account = make_account(owner, verified=False)
    v = MicroDepositVerification.objects.get(bank_account=account)
    bad = [100 - v.amount_1 if v.amount_1 != 50 else 1, 100 - v.amount_2 if v.amount_2 != 50 else 1]
    if sorted(bad) == sorted([v.amount_1, v.amount_2]):
        bad = [bad[0] % 99 + 1, bad[1]]

    response = api.post(f"/api/bank-accounts/{account.pk}/verify", {"amounts": bad})

    assert_validation_error(response, "amounts")
    assert "2 attempts left" in response.json()["fields"]["amounts"][0]


@pytest.mark.parametrize(
    "body", [{}, {"amounts": "12,34"}, {"amounts": [12]}, {"amounts": [0, 12]}, {"amounts": [12.5, 3]}]
)
def test_verify_malformed_amounts_is_400(owner, api, body):
    account = make_account(owner, verified=False)

    assert_validation_error(api.post(f"/api/bank-accounts/{account.pk}/verify", body), "amounts")


def test_verify_an_already_verified_account_is_409(api, account):
    response = api.post(f"/api/bank-accounts/{account.pk}/verify", {"amounts": [1, 2]})

    assert response.status_code == 409


# --- transactions ---------------------------------------------------------------------------------


def txn_body(account, **overrides):
    body = {
        "bank_account_id": str(account.pk),
        "amount": 1250,
        "type": "debit",
        "transaction_date": TODAY.isoformat(),
        "description": "Lunch",
        "category": "dining",
        "merchant_name": "Sweetgreen",
    }
    body.update(overrides)
    return body


def test_create_transaction(api, account):
    response = api.post("/api/transactions", txn_body(account, external_id="ext-1"))

    assert response.status_code == 201
    data = response.json()["transaction"]
    assert set(data) == TRANSACTION_KEYS
    assert (data["amount"], data["signed_amount"], data["currency"], data["status"]) == (
        1250,
        -1250,
        "USD",
        "completed",
    )
    assert data["external_id"] == "ext-1" and data["transfer_pair_id"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "12.50"}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -100}, "amount"),
        ({"amount": 10**15}, "amount"),
        ({"amount": None}, "amount"),
        ({"type": "transfer"}, "type"),
        ({"type": None}, "type"),
        ({"status": "done"}, "status"),
        ({"category": "nope"}, "category"),
        ({"description": ""}, "description"),
        ({"transaction_date": "2025-02-30"}, "transaction_date"),
        ({"transaction_date": "20250101"}, "transaction_date"),
        ({"transaction_date": 20250101}, "transaction_date"),
        ({"posting_date": "1999-01-01"}, "posting_date"),
        ({"bank_account_id": None}, "bank_account_id"),
    ],
)
def test_create_transaction_bad_input_is_400_per_field_and_writes_nothing(api, account, overrides, field):
    count = Transaction.objects.count()

    response = api.post("/api/transactions", txn_body(account, **overrides))

    assert_validation_error(response, field)
    assert Transaction.objects.count() == count


def test_create_transaction_in_another_users_account_is_404(api, account, outsider_account):
    response = api.post("/api/transactions", txn_body(outsider_account))

    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert not Transaction.objects.filter(bank_account=outsider_account, description="Lunch").exists()


def test_list_transactions_with_filters_and_cursor(owner, api, account):
    for i in range(5):
        add_transaction(owner, account, description=f"Lunch {i}", category="dining")
    add_transaction(owner, account, description="Rent", category="housing")

    dining = api.get("/api/transactions", category="dining", limit=3).json()
    rest = api.get("/api/transactions", category="dining", limit=3, cursor=dining["next_cursor"]).json()
    search = api.get("/api/transactions", q="rent").json()
    by_account = api.get("/api/transactions", account=str(account.pk), type="credit").json()

    assert len(dining["transactions"]) == 3 and len(rest["transactions"]) == 2 and rest["next_cursor"] is None
    assert [t["description"] for t in search["transactions"]] == ["Rent"]
    assert {t["description"] for t in by_account["transactions"]} == {"ACCTVERIFY"}


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2025-02-30"},
        {"date_from": "2025-03-02", "date_to": "2025-03-01"},
        {"type": "refund"},
        {"status": "done"},
        {"category": "nope"},
        {"limit": 1000},
    ],
)
def test_list_transactions_bad_filters_are_400(api, account, params):
    response = api.get("/api/transactions", **params)

    assert response.status_code == 400 and response.json()["fields"]


def test_list_transactions_filtered_by_another_users_account_is_404(api, outsider_account):
    assert api.get("/api/transactions", account=str(outsider_account.pk)).status_code == 404


def test_get_patch_delete_transaction(owner, api, account):
    txn = add_transaction(owner, account, amount=1000)

    got = api.get(f"/api/transactions/{txn.pk}")
    patched = api.patch(f"/api/transactions/{txn.pk}", {"amount": 3000, "category": "groceries"})
    deleted = api.delete(f"/api/transactions/{txn.pk}")

    assert got.status_code == 200 and got.json()["transaction"]["amount"] == 1000
    assert patched.status_code == 200 and patched.json()["transaction"]["signed_amount"] == -3000
    assert deleted.status_code == 204 and not Transaction.objects.filter(pk=txn.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": -1}, "amount"),
        ({"transaction_date": "2025-04-31"}, "transaction_date"),
        ({"bank_account_id": "x"}, "bank_account_id"),
        ({"type": "transfer"}, "type"),
    ],
)
def test_patch_transaction_bad_input_is_400_and_changes_nothing(owner, api, account, body, field):
    txn = add_transaction(owner, account, amount=1000)

    assert_validation_error(api.patch(f"/api/transactions/{txn.pk}", body), field)
    txn.refresh_from_db()
    assert txn.amount == 1000 and txn.type == "debit"


# --- transfers ------------------------------------------------------------------------------------


def transfer_body(source, target, **overrides):
    body = {
        "from_account_id": str(source.pk),
        "to_account_id": str(target.pk),
        "amount": 5000,
        "transaction_date": TODAY.isoformat(),
        "description": "To savings",
    }
    body.update(overrides)
    return body


def test_transfer_answers_201_with_two_linked_transactions(api, account, second_account):
    response = api.post("/api/transfers", transfer_body(account, second_account))

    assert response.status_code == 201
    out, into = response.json()["transactions"]
    assert out["transfer_pair_id"] == into["transfer_pair_id"] == response.json()["transfer_pair_id"]
    assert (out["signed_amount"], into["signed_amount"]) == (-5000, 5000)
    assert out["bank_account_id"] == str(account.pk) and into["bank_account_id"] == str(second_account.pk)


def test_transfer_to_the_same_account_is_400(api, account):
    assert_validation_error(api.post("/api/transfers", transfer_body(account, account)), "to_account_id")
    assert not Transaction.objects.filter(type="transfer").exists()


def test_transfer_with_another_users_account_is_404(api, account, outsider_account):
    to_theirs = api.post("/api/transfers", transfer_body(account, outsider_account))
    from_theirs = api.post("/api/transfers", transfer_body(outsider_account, account))

    assert to_theirs.status_code == from_theirs.status_code == 404
    assert not Transaction.objects.filter(type="transfer").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -1}, "amount"),
        ({"amount": "50"}, "amount"),
        ({"amount": 10**13}, "amount"),
        ({"transaction_date": "2025-02-29"}, "transaction_date"),
        ({"from_account_id": None}, "from_account_id"),
    ],
)
def test_transfer_bad_input_is_400(api, account, second_account, overrides, field):
    assert_validation_error(api.post("/api/transfers", transfer_body(account, second_account, **overrides)), field)
    assert not Transaction.objects.filter(type="transfer").exists()


# --- budgets --------------------------------------------------------------------------------------


def budget_body(**overrides):
    body = {"name": "Food", "category": "groceries", "amount": 40000, "currency": "USD", "period": "monthly"}
    body.update(overrides)
    return body


def test_create_budget_with_progress(owner, api, account):
    add_transaction(owner, account, amount=10000, category="groceries")

    response = api.post("/api/budgets", budget_body(start_date=TODAY.replace(day=1).isoformat()))

    assert response.status_code == 201
    data = response.json()["budget"]
    assert set(data) == BUDGET_KEYS
    assert (data["spent"], data["remaining"], data["percent_used"]) == (10000, 30000, 25)
    assert data["period_start"] == TODAY.replace(day=1).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "400"}, "amount"),
        ({"amount": 10**13}, "amount"),
        ({"currency": "ABC"}, "currency"),
        ({"period": "daily"}, "period"),
        ({"category": "nope"}, "category"),
        ({"start_date": "2025-02-30"}, "start_date"),
        ({"start_date": "2025-03-10", "end_date": "2025-03-01"}, "end_date"),
        ({"is_active": "yes"}, "is_active"),
        ({"name": ""}, "name"),
    ],
)
def test_create_budget_bad_input_is_400_per_field(api, overrides, field):
    assert_validation_error(api.post("/api/budgets", budget_body(**overrides)), field)
    assert not Budget.objects.exists()


def test_list_get_patch_delete_budget(owner, api):
    budget = services.budget_create(user=owner, name="Food", category="groceries", amount=1000, start_date=TODAY)

    listed = api.get("/api/budgets").json()
    patched = api.patch(f"/api/budgets/{budget.pk}", {"amount": 2000, "is_active": False})
    bad = api.patch(f"/api/budgets/{budget.pk}", {"end_date": "2000-01-01"})
    deleted = api.delete(f"/api/budgets/{budget.pk}")

    assert listed["budgets"][0]["id"] == str(budget.pk) and listed["next_cursor"] is None
    assert patched.json()["budget"]["amount"] == 2000 and patched.json()["budget"]["is_active"] is False
    assert_validation_error(bad, "end_date")
    assert deleted.status_code == 204 and not Budget.objects.exists()


# --- isolation --------------------------------------------------------------------------------------


@pytest.fixture
def owners_ids(owner, account):
    txn = add_transaction(owner, account)
    budget = services.budget_create(user=owner, name="Food", category="groceries", amount=1000, start_date=TODAY)
    return {"account": account.pk, "txn": txn.pk, "budget": budget.pk}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/bank-accounts/{account}", None),
        ("delete", "/api/bank-accounts/{account}", None),
        ("post", "/api/bank-accounts/{account}/verify", {"amounts": [1, 2]}),
        ("get", "/api/transactions/{txn}", None),
        ("patch", "/api/transactions/{txn}", {"amount": 1}),
        ("delete", "/api/transactions/{txn}", None),
        ("get", "/api/budgets/{budget}", None),
        ("patch", "/api/budgets/{budget}", {"amount": 1}),
        ("delete", "/api/budgets/{budget}", None),
        ("get", "/api/transactions?account={account}", None),
    ],
)
def test_outsider_gets_404_json(outsider_api, owners_ids, method, path, body):
    url = path.format(**owners_ids)
    before = (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count())

    if method == "get":
        response = outsider_api.client.get(url)
    elif method == "delete":
        response = outsider_api.delete(url)
    else:
        response = getattr(outsider_api, method)(url, body)

    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count()) == before


def test_outsider_transaction_create_and_transfer_into_owners_account_are_404(
    outsider_api, owners_ids, outsider_account
):
    body = {"bank_account_id": str(owners_ids["account"]), "amount": 1, "type": "debit",
            "transaction_date": TODAY.isoformat(), "description": "x"}  # fmt: skip
    transfer = transfer_body(outsider_account, BankAccount.objects.get(pk=owners_ids["account"]))

    assert outsider_api.post("/api/transactions", body).status_code == 404
    assert outsider_api.post("/api/transfers", transfer).status_code == 404


@pytest.mark.parametrize("path", ["/api/bank-accounts", "/api/transactions", "/api/budgets"])
def test_outsider_lists_are_empty_of_the_owners_data(outsider_api, owners_ids, path):
    body = outsider_api.client.get(path).json()

    (items,) = [v for k, v in body.items() if k != "next_cursor"]
    assert items == []


@pytest.mark.parametrize("path", ["/api/bank-accounts/not-a-uuid", "/api/transactions/123", "/api/budgets/x"])
def test_malformed_ids_are_404(api, path):
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/api/bank-accounts", "/api/transactions", "/api/budgets", "/api/transfers"],
)
def test_anonymous_api_calls_are_401(client, path):
    response = client.get(path)

    assert response.status_code in (401, 405) and response.json()["error"] in ("unauthorized", "method_not_allowed")


def test_writes_need_the_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post("/api/budgets", "{}", content_type="application/json")

    assert response.status_code == 403


def test_wrong_method_is_405(api, account):
    response = api.client.put(f"/api/bank-accounts/{account.pk}", headers=api._headers())

    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
