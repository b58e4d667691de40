"""Fixtures shared by the whole suite: an owner, an outsider and staff, each with a verified e-mail."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

from tests.commit_hooks import emulate_commits

pytest_plugins = ["tests.tasks_support"]

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the (database) cache, which test transactions do not roll back.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _commit_hooks_run(monkeypatch):
    # on_commit callbacks (e-mail tasks among them) run when the code's transaction would commit.
    with emulate_commits(monkeypatch):
        yield


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
    """JSON calls as a script makes them: with the session and the CSRF header, like the site's own pages, or
    with a personal API token (`Authorization: Bearer ...`, no cookies, no CSRF token)."""

    def __init__(self, client, *, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self):
        if self.token is not None:
            return {}
        return {"X-CSRFToken": self.client.cookies["csrftoken"].value}

    def get(self, path, **params):
        return self.client.get(path, params)

    def post(self, path, data=None):
        return self.client.post(path, json.dumps(data or {}), content_type="application/json", headers=self._headers())

    def patch(self, path, data=None):
        return self.client.patch(path, json.dumps(data or {}), content_type="application/json", headers=self._headers())

    def delete(self, path):
        return self.client.delete(path, headers=self._headers())


def api_as(user, how: str) -> Api:
    """`user`'s API client, signed in with the session (`how="session"`) or a write token (`"token"`)."""
    if how == "token":
        from accounts.services import api_token_create

        _token, raw = api_token_create(user=user, name="Tests", scope="write", expires_in_days=None, request=None)
        return Api(Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"}), token=raw)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/dashboard/")  # a page with a form sets the csrftoken cookie, as in a browser
    return Api(client)


@pytest.fixture(params=["session", "token"])
def api(request, owner):
    """The owner's API client; every test that uses it runs once with the session and once with a token."""
    return api_as(owner, request.param)


@pytest.fixture(params=["session", "token"])
def outsider_api(request, outsider):
    return api_as(outsider, request.param)
