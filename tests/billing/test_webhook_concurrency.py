"""Deliveries at the same moment, on PostgreSQL: row locks keep the newest state and process a duplicate once."""

import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from accounts.models import AuditEvent
from billing.models import Subscription, WebhookEvent
from tests.billing.conftest import LEGACY_SECRET, WEBHOOK_URL, signed_headers, subscription_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite serialises every write transaction, so nothing runs at the same moment.",
    ),
]

ROUNDS = 6


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET


def deliver_at_once(deliveries: list[tuple[dict, str]]) -> list:
    """POST every (event, webhook_id) from its own thread (own DB connection), released together."""
    signed = []
    for event, webhook_id in deliveries:
        body = json.dumps(event)
        signed.append((body, signed_headers(body, secret=LEGACY_SECRET, webhook_id=webhook_id)))
    barrier = threading.Barrier(len(signed))
    results: list = [None] * len(signed)

    def run(index: int, body: str, headers: dict) -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            results[index] = client.post(WEBHOOK_URL, data=body, content_type="application/json", headers=headers)
        except BaseException as exc:  # surfaced by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, body, headers)) for i, (body, headers) in enumerate(signed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def with_id(event: dict, subscription_id: str) -> dict:
    event["data"]["id"] = subscription_id
    return event


def test_two_events_for_one_subscription_at_once_end_in_the_newest_state(owner):
    for round_number in range(ROUNDS):
        subscription_id = str(uuid.uuid4())
        first = with_id(subscription_event(owner, "subscription.active", minutes=0), subscription_id)
        assert deliver_at_once([(first, f"msg_{uuid.uuid4().hex}")])[0].status_code == 200
        newer = with_id(
            subscription_event(owner, "subscription.canceled", minutes=10, cancel_at_period_end=True), subscription_id
        )
        older = with_id(subscription_event(owner, "subscription.updated", minutes=5, amount=999), subscription_id)
        pair = [newer, older] if round_number % 2 else [older, newer]

        results = deliver_at_once([(event, f"msg_{uuid.uuid4().hex}") for event in pair])

        assert [r.status_code for r in results] == [200, 200], results
        subscription = Subscription.objects.get(pk=subscription_id)
        assert (subscription.cancel_at_period_end, subscription.amount) == (True, 1900)


def test_first_two_events_for_a_new_subscription_at_once_create_one_row_in_the_newest_state(owner):
    for round_number in range(ROUNDS):
        subscription_id = str(uuid.uuid4())
        created = with_id(
            subscription_event(owner, "subscription.created", minutes=0, status="incomplete"), subscription_id
        )
        active = with_id(subscription_event(owner, "subscription.active", minutes=1), subscription_id)
        pair = [created, active] if round_number % 2 else [active, created]

        results = deliver_at_once([(event, f"msg_{uuid.uuid4().hex}") for event in pair])

        assert [r.status_code for r in results] == [200, 200], results
        assert Subscription.objects.get(pk=subscription_id).status == "active"


def test_duplicate_delivered_at_the_same_moment_is_processed_once(owner):
    for _ in range(ROUNDS):
        subscription_id = str(uuid.uuid4())
        event = with_id(subscription_event(owner, "subscription.active"), subscription_id)
        webhook_id = f"msg_{uuid.uuid4().hex}"
        audits_before = AuditEvent.objects.filter(action="billing.subscription_changed").count()

        results = deliver_at_once([(event, webhook_id), (event, webhook_id), (event, webhook_id)])

        assert [r.status_code for r in results] == [200, 200, 200], results
        assert sorted(r.json()["status"] for r in results) == ["duplicate", "duplicate", "processed"]
        stored = WebhookEvent.objects.get(webhook_id=webhook_id)
        assert (stored.state, stored.attempts) == ("processed", 1)
        assert AuditEvent.objects.filter(action="billing.subscription_changed").count() == audits_before + 1
