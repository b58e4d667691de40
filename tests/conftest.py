"""Fixtures shared by the whole suite: an owner, an outsider and staff, each with a verified e-mail."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the (database) cache, which test transactions do not roll back.
    cache.clear()
    yield
    cache.clear()


def make_user(email: str, *, name: str = "", password: str = PASSWORD, verified: bool = True, **extra):
    from accounts.models import User

    user = User.objects.create_user(email=email, password=password, name=name, **extra)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


@pytest.fixture
def owner(db):
    return make_user("owner@example.com", name="Olive Owner")


@pytest.fixture
def outsider(db):
    return make_user("outsider@example.com", name="Oscar Outsider")


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def staff(db):
    """Staff with an authenticator app, as the admin requires."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = make_user("staff@example.com", name="Stella Staff", is_staff=True, is_superuser=True)
    TOTP.activate(user, STAFF_TOTP_SECRET)
    return user


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def api_client(owner) -> Client:
    """A signed-in client that sends the CSRF token like the site's own JavaScript would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/dashboard/")  # a page with a form sets the csrftoken cookie, as in a browser
    return client


class Api:
    """JSON calls with the CSRF header, like the site's own scripts."""

    def __init__(self, client):
        self.client = client

    def _headers(self):
        return {"X-CSRFToken": self.client.cookies["csrftoken"].value}

    def get(self, path, **params):
        return self.client.get(path, params)

    def post(self, path, data=None):
        return self.client.post(path, json.dumps(data or {}), content_type="application/json", headers=self._headers())

    def patch(self, path, data=None):
        return self.client.patch(path, json.dumps(data or {}), content_type="application/json", headers=self._headers())

    def delete(self, path):
        return self.client.delete(path, headers=self._headers())


@pytest.fixture
def api(api_client):
    return Api(api_client)


@pytest.fixture
def outsider_api(outsider):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    client.get("/dashboard/")
    return Api(client)
