"""Session lifetimes: "keep me signed in" lasts 14 days from the last activity; any other session is a
browser session that also ends on the server after 12 hours without activity."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from accounts.middleware import SESSION_KEY
from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def stored_expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_session_without_keep_me_signed_in_ends_after_12_hours_on_the_server(client, owner):
    response = sign_in_post(client, "owner@example.com")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert abs(stored_expiry(client) - (timezone.now() + 12 * HOUR)) < datetime.timedelta(minutes=1)


def test_keep_me_signed_in_lasts_14_days(client, owner):
    response = sign_in_post(client, "owner@example.com", remember="on")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 14 * 24 * 3600
    assert abs(stored_expiry(client) - (timezone.now() + 14 * 24 * HOUR)) < datetime.timedelta(minutes=1)


def test_activity_moves_the_idle_deadline_on(client, owner):
    sign_in_post(client, "owner@example.com")
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + HOUR)
    cache.clear()
    store = client.session
    store[SESSION_KEY] = [0, ""]  # the last recorded activity is long ago
    store.save()

    assert client.get("/dashboard/").status_code == 200

    assert stored_expiry(client) > timezone.now() + 11 * HOUR


def test_an_idle_session_is_signed_out(client, owner):
    sign_in_post(client, "owner@example.com")
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - HOUR)
    cache.clear()

    response = client.get("/dashboard/")

    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
