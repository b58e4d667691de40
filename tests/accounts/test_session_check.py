"""The signed-in session check: the user and whether their address is verified come in one query, sessions
signed in before the change keep working, and ending a session still signs it out at once."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client

from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db


def test_the_session_api_asks_the_database_once_for_a_signed_in_user(client, owner, django_assert_num_queries):
    sign_in_post(client, "owner@example.com")
    client.get("/api/auth/session")  # the session is now in the cache

    with django_assert_num_queries(1):
        body = client.get("/api/auth/session").json()

    assert body["user"]["email"] == "owner@example.com" and body["user"]["email_verified"] is True


def test_an_unverified_address_is_reported_as_such(client, owner):
    sign_in_post(client, "owner@example.com")
    owner.emailaddress_set.update(verified=False)

    assert client.get("/api/auth/session").json()["user"]["email_verified"] is False


@pytest.mark.parametrize(
    "old_backend",
    ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"],
)
def test_sessions_from_before_the_new_backends_stay_signed_in(owner, old_backend):
    client = Client()
    client.force_login(owner, backend=settings.AUTHENTICATION_BACKENDS[0])
    key = client.session.session_key
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore(key)
    store[BACKEND_SESSION_KEY] = old_backend
    store.save()
    assert client.get("/api/auth/session").json()["user"] is None  # Django no longer knows that backend

    migration = importlib.import_module("accounts.migrations.0007_session_backend_paths")
    migration.move_sessions(apps, None)

    assert client.get("/api/auth/session").json()["user"]["id"] == str(owner.pk)
    assert Session.objects.filter(session_key=key).exists()
