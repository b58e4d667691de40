import pytest
from django.conf import settings

from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db


def _limit(action: str) -> int:
    """The first number of the configured rate, e.g. 30 for "30/m/ip"."""
    return int(settings.ACCOUNT_RATE_LIMITS[action].split(",")[0].split("/")[0])


def test_too_many_sign_in_attempts_from_one_address_get_429(client):
    for _ in range(_limit("login")):
        assert client.post("/sign-in", {"login": "x@example.com", "password": "wrong-password-1"}).status_code == 200

    response = client.post("/sign-in", {"login": "x@example.com", "password": "wrong-password-1"})

    assert response.status_code == 429
    assert b"Too many attempts in a short time." in response.content


def test_too_many_sign_ups_from_one_address_get_429(client):
    for n in range(_limit("signup")):
        client.post("/sign-up", {"name": "Bot", "email": f"bot{n}@example.com", "password1": "short"})

    response = client.post("/sign-up", {"name": "Bot", "email": "bot@example.com", "password1": "short"})

    assert response.status_code == 429


def test_too_many_password_reset_requests_for_one_address_get_429(client, owner):
    per_key = int(settings.ACCOUNT_RATE_LIMITS["reset_password"].split(",")[1].split("/")[0])
    for _ in range(per_key):
        client.post("/accounts/password/reset/", {"email": "owner@example.com"})

    response = client.post("/accounts/password/reset/", {"email": "owner@example.com"})

    assert response.status_code == 429


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(client, owner):
    for _ in range(5):
        sign_in_post(client, "owner@example.com", password="not-my-password-1")

    response = sign_in_post(client, "owner@example.com")

    assert response.status_code == 200
    assert "Too many failed sign-in attempts for this account." in response.content.decode()
    assert client.get("/api/auth/session").json()["user"] is None


def test_rate_limits_count_the_socket_address_not_a_forged_forwarded_header(client):
    for n in range(_limit("login")):
        client.post(
            "/sign-in",
            {"login": "x@example.com", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )

    response = client.post(
        "/sign-in",
        {"login": "x@example.com", "password": "wrong-password-1"},
        headers={"X-Forwarded-For": "198.51.100.9"},
    )

    assert response.status_code == 429
