"""Fixtures shared by the whole suite: an owner, an outsider and staff, each with a verified e-mail."""

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


@pytest.fixture
def staff(db):
    return make_user("staff@example.com", name="Stella Staff", is_staff=True, is_superuser=True)


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
