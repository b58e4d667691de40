"""Personal API tokens through the real API: `Authorization: Bearer ...` as INTERFACE says."""

import pytest
from django.test import Client

from accounts import tokens
from accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def bearer(raw: str, **headers) -> Client:
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}", **headers})


def token_for(user, scope="write"):
    return api_token_create(user=user, name="Script", scope=scope, expires_in_days=None, request=None)


def test_a_write_token_needs_no_csrf_token(owner):
    _, raw = token_for(owner)

    response = bearer(raw).post(
        "/api/budgets", {"name": "Food", "category": "groceries", "amount": 100}, content_type="application/json"
    )

    assert response.status_code == 201


def test_a_read_token_reads_and_gets_403_on_a_write(owner):
    _, raw = token_for(owner, scope="read")
    client = bearer(raw)

    read = client.get("/api/budgets")
    write = client.post("/api/budgets", {"name": "x"}, content_type="application/json")

    assert read.status_code == 200
    assert write.status_code == 403 and write.json()["error"] == "forbidden"


@pytest.mark.parametrize("raw", ["lgy_nope_nope", "not-a-token", "lgy_abcdefghijkl_" + "x" * 40])
def test_an_unknown_or_malformed_token_is_401(db, raw):
    response = bearer(raw).get("/api/bank-accounts")

    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


def test_a_revoked_token_is_401_at_once(owner):
    token, raw = token_for(owner)
    client = bearer(raw)
    assert client.get("/api/bank-accounts").status_code == 200

    api_token_revoke(user=owner, token=token, request=None)

    assert client.get("/api/bank-accounts").status_code == 401


def test_a_bad_token_is_401_even_with_a_signed_in_session(owner_client):
    response = owner_client.get("/api/bank-accounts", headers={"Authorization": "Bearer lgy_bad_bad"})

    assert response.status_code == 401


def test_a_token_acts_as_its_owner_only(owner, outsider):
    _, raw = token_for(outsider)

    assert bearer(raw).get("/api/auth/session").json()["user"] is None  # the session endpoint is the browser's
    assert bearer(raw).get("/api/bank-accounts").json()["bank_accounts"] == []


def test_a_token_over_its_rate_is_429_with_retry_after(owner, monkeypatch):
    monkeypatch.setattr(tokens, "RATE_LIMIT_REQUESTS", 3)
    monkeypatch.setattr(tokens.time, "time", lambda: 1_000_000.0)  # all in one window
    _, raw = token_for(owner)
    client = bearer(raw)

    answers = [client.get("/api/budgets") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"] == "rate_limited" and int(answers[-1]["Retry-After"]) >= 1
