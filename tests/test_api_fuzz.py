"""No request makes the JSON API answer 5xx: every operation of the OpenAPI description, with every field
of its body and query filled with hostile JSON (NUL, lone surrogates, huge numbers, wrong types, deep
nesting), answers 2xx or 4xx, and a 4xx stores nothing half-written."""

import datetime
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import saas.urls  # noqa: F401 (attaches every app's router to the API)
from banking.models import Import, RecurringSeries
from saas.api import api as ninja_api
from tests.banking.conftest import add_transaction, make_account

pytestmark = pytest.mark.django_db

NASTY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "'", '"', "<", "%", "\n", "é", "😀"]),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    NASTY_TEXT,
    st.sampled_from(["2025-02-30", "1899-12-31", "9999-12-31", "2025-01-01", "USD", "debit", "monthly"]),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NASTY_TEXT, inner, max_size=4), max_leaves=12
)


def _operations() -> list[tuple[str, str, dict]]:
    schema = ninja_api.get_openapi_schema(path_prefix="")
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.endswith("/payments/webhooks"):
                continue  # its body is checked by signature first: tests/billing
            found.append((method, path, operation))
    return found


OPERATIONS = _operations()
COMPONENTS = ninja_api.get_openapi_schema(path_prefix="")["components"]


def _properties(operation: dict) -> list[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    if ref:
        body = COMPONENTS["schemas"][ref.rsplit("/", 1)[-1]]
    return sorted(body.get("properties", {}))


@pytest.fixture
def owners_objects(owner):
    account = make_account(owner, nickname="Everyday")
    second = make_account(owner, account_number="55550000111", nickname="Savings", account_type="savings")
    txn = add_transaction(owner, account)
    from banking import services

    budget = services.budget_create(user=owner, name="Food", category="groceries", amount=1000)
    rule = services.rule_create(
        user=owner,
        name="Coffee",
        conditions=[{"field": "description", "op": "contains", "value": "coffee"}],
        actions={"category": "dining"},
    )
    series = RecurringSeries.objects.create(
        user=owner,
        bank_account=account,
        key="netflix",
        merchant_name="Netflix",
        amount=1549,
        currency="USD",
        cadence="monthly",
        last_date=datetime.date(2026, 11, 5),
        next_date=datetime.date(2026, 12, 5),
    )
    bank_import = Import.objects.create(
        user=owner, bank_account=account, filename="statement.csv", format="csv", status="needs_mapping"
    )
    return {
        "account": account,
        "second": second,
        "transaction": txn,
        "budget": budget,
        "rule": rule,
        "series": series,
        "import": bank_import,
    }


# The owner's object each `{id}` (or `{slug}`) path is fuzzed on, by the path's collection.
PATH_OBJECTS = {
    "/bank-accounts/": "account",
    "/transactions/": "transaction",
    "/budgets/": "budget",
    "/rules/": "rule",
    "/recurring/": "series",
    "/imports/": "import",
}


def _path_with_ids(path: str, objects: dict) -> str:
    if "{slug}" in path:
        return path.replace("{slug}", "groceries")
    if "{id}" not in path:
        return path
    for collection, name in PATH_OBJECTS.items():
        if collection in path:
            return path.replace("{id}", str(objects[name].pk))
    raise AssertionError(f"{path}: say which of the owner's objects to fuzz it on (PATH_OBJECTS)")


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_input_is_never_a_5xx(api, owner, owners_objects, method, path, operation, data):
    if path.startswith("/insights/"):
        _subscribe(owner)  # else every answer is 402 before the query is read
    url = "/api" + _path_with_ids(path, owners_objects)
    fields = _properties(operation)
    body = {name: data.draw(VALUES, label=name) for name in fields if data.draw(st.booleans(), label=f"send {name}")}
    if data.draw(st.booleans(), label="use a real id"):
        for name in ("bank_account_id", "from_account_id", "to_account_id"):
            if name in body:
                body[name] = str(owners_objects["account" if name != "to_account_id" else "second"].pk)

    if method == "get":
        params = {p["name"]: data.draw(NASTY_TEXT, label=p["name"]) for p in operation.get("parameters", [])}
        params = {k: v for k, v in params.items() if "\x00" not in v and not _has_surrogate(v)}
        response = api.client.get(url, params)
    elif method == "delete":
        response = api.delete(url)
    else:
        raw = json.dumps(body)
        response = getattr(api.client, method)(url, raw, content_type="application/json", headers=api._headers())

    assert response.status_code < 500, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json") or response.status_code == 204


def _subscribe(user) -> None:
    from billing.services import subscription_upsert_from_polar
    from tests.billing.conftest import polar_subscription

    subscription_upsert_from_polar(data=polar_subscription(user))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


TEXT_FIELDS = [
    ("post", "/api/bank-accounts", "bank_name", {"account_number": "123456789", "routing_number": "021000021",
                                                 "account_type": "checking"}),
    ("post", "/api/bank-accounts", "nickname", {"account_number": "123456789", "routing_number": "021000021",
                                                "account_type": "checking", "bank_name": "Harbor"}),
    ("post", "/api/transactions", "description", {"amount": 100, "type": "debit", "transaction_date": "2025-01-02"}),
    ("post", "/api/transactions", "merchant_name", {"amount": 100, "type": "debit", "transaction_date": "2025-01-02",
                                                    "description": "Coffee"}),
    ("post", "/api/transactions", "external_id", {"amount": 100, "type": "debit", "transaction_date": "2025-01-02",
                                                  "description": "Coffee"}),
    ("patch", "/api/transactions/{transaction}", "description", {}),
    ("patch", "/api/transactions/{transaction}", "merchant_name", {}),
    ("post", "/api/budgets", "name", {"category": "groceries", "amount": 100}),
    ("patch", "/api/budgets/{budget}", "name", {}),
    ("post", "/api/transfers", "description", {"amount": 100, "transaction_date": "2025-01-02"}),
]  # fmt: skip


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize(
    ("method", "path", "field", "rest"), TEXT_FIELDS, ids=[f"{m} {p} {f}" for m, p, f, _ in TEXT_FIELDS]
)
def test_nul_or_lone_surrogate_in_a_text_field_is_a_400_naming_it(api, owners_objects, method, path, field, rest, bad):
    from banking.models import BankAccount, Budget, Transaction

    before = (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count())
    url = path.format(transaction=owners_objects["transaction"].pk, budget=owners_objects["budget"].pk)
    body = {**rest, field: bad}
    if path.endswith("/transactions"):
        body["bank_account_id"] = str(owners_objects["account"].pk)
    if path.endswith("/transfers"):
        body |= {
            "from_account_id": str(owners_objects["account"].pk),
            "to_account_id": str(owners_objects["second"].pk),
        }

    response = getattr(api, method)(url, body)

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert (BankAccount.objects.count(), Transaction.objects.count(), Budget.objects.count()) == before
    owners_objects["transaction"].refresh_from_db()
    assert "\x00" not in owners_objects["transaction"].description


def test_a_body_nested_20000_deep_is_a_400(api):
    body = "[" * 20_000 + "]" * 20_000

    response = api.client.post("/api/budgets", body, content_type="application/json", headers=api._headers())

    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_fuzzing_covers_every_operation():
    assert len(OPERATIONS) >= 19
