"""Sessions end at once, whatever holds the cached session: ending one on the sessions page, a password
change and account deletion sign the other device out on its very next request, with the database cache
(the embedded default) and with Redis (production's)."""

import os

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client

from tests.accounts.conftest import sign_in_post
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _redis_url() -> str | None:
    import redis

    url = "redis://127.0.0.1:6379/4"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        return None
    return url


CACHES = {
    "database": {"BACKEND": "saas.cache.DatabaseCache", "LOCATION": "revocation_test_cache"},
    "redis": {"BACKEND": "saas.cache.RedisCache", "LOCATION": _redis_url()},
}


@pytest.fixture(params=sorted(CACHES))
def shared_cache(request, settings):
    spec = CACHES[request.param]
    if spec["LOCATION"] is None:
        if request.param == "redis" and os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379: CI starts it (.ci/run).")
        pytest.skip("Redis is not running on 127.0.0.1:6379.")
    settings.CACHES = {"default": spec}
    if request.param == "database":
        call_command("createcachetable", verbosity=0)
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def two_devices(email: str) -> tuple[Client, Client]:
    this, other = Client(), Client()
    for client in (this, other):
        assert sign_in_post(client, email).status_code == 302
        assert client.get("/api/auth/session").json()["user"] is not None  # cached now
    return this, other


def test_ending_a_session_signs_it_out_at_once(shared_cache, owner):
    this, other = two_devices("owner@example.com")
    other_session = UserSession.objects.get(session_key=other.session.session_key)

    this.post(f"/dashboard/settings/sessions/{other_session.pk}/end")

    assert other.get("/api/auth/session").json()["user"] is None
    assert this.get("/api/auth/session").json()["user"] is not None


def test_a_password_change_signs_the_other_devices_out(shared_cache, owner):
    this, other = two_devices("owner@example.com")

    response = this.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-brand-new-passphrase-7", "password2": "a-brand-new-passphrase-7"},
    )

    assert response.status_code == 302
    assert other.get("/api/auth/session").json()["user"] is None
    assert this.get("/api/auth/session").json()["user"] is not None


def test_deleting_the_account_signs_every_device_out(shared_cache, owner):
    this, other = two_devices("owner@example.com")
    this.post("/accounts/reauthenticate/", {"password": PASSWORD})

    this.post("/dashboard/settings/data/delete", {"email": "owner@example.com"})

    assert this.get("/api/auth/session").json()["user"] is None
    assert other.get("/api/auth/session").json()["user"] is None
