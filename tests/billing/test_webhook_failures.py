"""A signed delivery the database refuses to store is never lost: kept as text with its error, logged, replayable.

PostgreSQL's JSONB refuses `\\u0000` and lone surrogates, and its text columns refuse NUL characters. On SQLite,
which stores them, the `database_refuses_nul` fixture makes the payload column refuse a NUL as PostgreSQL does.
"""

import json
import logging

import pytest
from django.db import DataError, connection

from billing import services, webhooks
from billing.models import Subscription, WebhookEvent
from tests.billing.conftest import post_event, subscription_event

pytestmark = pytest.mark.django_db

SUBSCRIPTION_ID = "0d1c9a58-6e1f-4a8b-9a3e-5c6f3b1f2e71"
NEEDS_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Needs PostgreSQL: SQLite stores NUL characters in text columns."
)


@pytest.fixture
def database_refuses_nul(monkeypatch):
    """On SQLite, the payload column refuses `\\u0000` as PostgreSQL's JSONB does; on PostgreSQL, nothing to do."""
    if connection.vendor == "postgresql":
        return
    field = WebhookEvent._meta.get_field("payload")
    prepare = field.get_db_prep_save

    def refuse_nul(value, connection):
        if value is not None and "\\u0000" in json.dumps(value):
            raise DataError("unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted to text.")
        return prepare(value, connection)

    monkeypatch.setattr(field, "get_db_prep_save", refuse_nul)


def with_nul_in_the_customer_name(owner) -> dict:
    event = subscription_event(owner, "subscription.active")
    event["data"]["customer"]["name"] = "Olive\u0000Owner"  # kept only in the payload, no column of ours
    return event


def send(client, event, secret, webhook_id):
    body = json.dumps(event)
    return body, post_event(client, event, secret=secret, webhook_id=webhook_id)


def test_a_delivery_the_database_refuses_is_kept_with_its_raw_body_and_error(
    database_refuses_nul, polar_client_anonymous, webhook_secret, owner
):
    body, response = send(polar_client_anonymous, with_nul_in_the_customer_name(owner), webhook_secret, "msg_nul")

    assert response.status_code == 500
    stored = WebhookEvent.objects.get(webhook_id="msg_nul")
    assert (stored.state, stored.attempts, stored.type, stored.object_id) == (
        "failed",
        1,
        "subscription.active",
        SUBSCRIPTION_ID,
    )
    assert stored.payload is None
    assert stored.raw_body == body
    assert "\\u0000" in stored.last_error or "NUL" in stored.last_error


def test_a_delivery_the_database_refuses_is_logged_with_its_traceback(
    database_refuses_nul, polar_client_anonymous, webhook_secret, owner, caplog
):
    with caplog.at_level(logging.ERROR, logger="billing.services"):
        send(polar_client_anonymous, with_nul_in_the_customer_name(owner), webhook_secret, "msg_nul_log")

    failures = [record for record in caplog.records if record.exc_info and "msg_nul_log" in record.getMessage()]
    assert failures, [record.getMessage() for record in caplog.records]
    assert "kept for replay" in failures[0].getMessage()


def test_a_kept_raw_body_is_replayed(database_refuses_nul, polar_client_anonymous, webhook_secret, owner):
    send(polar_client_anonymous, with_nul_in_the_customer_name(owner), webhook_secret, "msg_nul_replay")
    stored = WebhookEvent.objects.get(webhook_id="msg_nul_replay")

    outcome = services.webhook_event_replay(event=stored, handler=webhooks.handler_for(stored.type))

    assert outcome == "processed"
    stored.refresh_from_db()
    assert (stored.state, stored.attempts, stored.last_error, stored.user_id) == ("processed", 2, "", owner.pk)
    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).user == owner


def test_polar_delivering_it_again_does_not_store_it_twice(
    database_refuses_nul, polar_client_anonymous, webhook_secret, owner
):
    event = with_nul_in_the_customer_name(owner)
    send(polar_client_anonymous, event, webhook_secret, "msg_nul_twice")

    _, again = send(polar_client_anonymous, event, webhook_secret, "msg_nul_twice")

    assert again.status_code == 500
    stored = WebhookEvent.objects.get(webhook_id="msg_nul_twice")
    assert (stored.state, stored.attempts) == ("failed", 2)


@NEEDS_POSTGRESQL
def test_nul_in_the_type_and_the_id_is_kept_escaped(polar_client_anonymous, webhook_secret, owner):
    event = subscription_event(owner, "subscription.active\u0000")
    event["data"]["id"] = "sub\u0000one"

    body, response = send(polar_client_anonymous, event, webhook_secret, "msg_nul_columns")

    assert response.status_code == 500
    stored = WebhookEvent.objects.get(webhook_id="msg_nul_columns")
    assert (stored.state, stored.type, stored.object_id) == ("failed", "subscription.active\\u0000", "sub\\u0000one")
    assert stored.raw_body == body


@NEEDS_POSTGRESQL
def test_a_lone_surrogate_is_kept_too(polar_client_anonymous, webhook_secret, owner):
    event = subscription_event(owner, "subscription.active")
    event["data"]["customer"]["name"] = "Olive \ud800"

    body, response = send(polar_client_anonymous, event, webhook_secret, "msg_surrogate")

    assert response.status_code == 500
    stored = WebhookEvent.objects.get(webhook_id="msg_surrogate")
    assert (stored.state, stored.payload, stored.raw_body) == ("failed", None, body)
