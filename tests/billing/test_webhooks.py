"""POST /api/payments/webhooks: signed events through the real verification, in Polar's sequences."""

import base64
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from accounts.models import AuditEvent
from billing import selectors, webhooks
from billing.models import Order, Subscription, WebhookEvent
from tests.billing.conftest import (
    BASE_TIME,
    LEGACY_SECRET,
    WHSEC_SECRET,
    iso,
    load_fixture,
    order_event,
    post_event,
    signed_headers,
    subscription_event,
)

pytestmark = pytest.mark.django_db

SUBSCRIPTION_ID = "0d1c9a58-6e1f-4a8b-9a3e-5c6f3b1f2e71"
ORDER_ID = "7b3e1f9a-2c4d-4e6f-8a0b-1c2d3e4f5a6b"
PERIOD_END = iso(BASE_TIME + timedelta(days=30))


def deliver_all(deliver, events):
    for event in events:
        response = deliver(event)
        assert response.status_code == 200, response.content


def new_subscription(owner):
    """Polar's sequence for a new subscription: created (not yet active), active, order.created, order.paid."""
    return [
        subscription_event(owner, "subscription.created", minutes=-0.5, status="incomplete"),
        subscription_event(owner, "subscription.active", minutes=0),
        order_event(owner, "order.created", minutes=0.1, status="pending", paid=False),
        order_event(owner, "order.paid", minutes=0.2),
    ]


def test_new_subscription_sequence_makes_the_user_subscribed(deliver, owner):
    deliver_all(deliver, new_subscription(owner))

    subscription = Subscription.objects.get(pk=SUBSCRIPTION_ID)
    assert subscription.user == owner
    assert subscription.status == "active"
    assert subscription.amount == 1900
    assert subscription.currency == "USD"
    assert subscription.recurring_interval == "month"
    assert subscription.customer_id == "6a9f4d3c-2b7e-4f1a-8c5d-0e9b8a7f6c5d"
    assert selectors.user_is_subscribed(user=owner)
    order = Order.objects.get(pk=ORDER_ID)
    assert (order.user, order.status, order.paid, order.total_amount) == (owner, "paid", True, 1900)
    assert WebhookEvent.objects.filter(state="processed").count() == 4


def test_cancel_at_period_end_keeps_access_until_revoked(deliver, owner):
    deliver_all(deliver, new_subscription(owner))
    cancel = {"cancel_at_period_end": True, "canceled_at": iso(BASE_TIME + timedelta(days=3))}
    deliver_all(
        deliver,
        [
            subscription_event(owner, "subscription.updated", minutes=60 * 24 * 3, ends_at=PERIOD_END, **cancel),
            subscription_event(owner, "subscription.canceled", minutes=60 * 24 * 3, ends_at=PERIOD_END, **cancel),
        ],
    )

    subscription = Subscription.objects.get(pk=SUBSCRIPTION_ID)
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)
    assert selectors.user_is_subscribed(user=owner)

    ended = {"status": "canceled", "ended_at": PERIOD_END, "ends_at": PERIOD_END, **cancel}
    deliver_all(
        deliver,
        [
            subscription_event(owner, "subscription.updated", minutes=60 * 24 * 30, **ended),
            subscription_event(owner, "subscription.revoked", minutes=60 * 24 * 30, **ended),
        ],
    )

    subscription.refresh_from_db()
    assert subscription.status == "canceled"
    assert not selectors.user_is_subscribed(user=owner)


def test_immediate_revoke_ends_the_subscription(deliver, owner):
    deliver_all(deliver, new_subscription(owner))
    now = iso(BASE_TIME + timedelta(hours=2))
    revoked = {"status": "canceled", "canceled_at": now, "ended_at": now, "ends_at": now}
    deliver_all(
        deliver,
        [
            subscription_event(owner, "subscription.updated", minutes=120, **revoked),
            subscription_event(owner, "subscription.canceled", minutes=120, **revoked),
            subscription_event(owner, "subscription.revoked", minutes=120, **revoked),
        ],
    )

    subscription = Subscription.objects.get(pk=SUBSCRIPTION_ID)
    assert subscription.status == "canceled"
    assert subscription.ended_at == BASE_TIME + timedelta(hours=2)
    assert not selectors.user_is_subscribed(user=owner)


def test_renewal_moves_the_period_and_adds_an_order(deliver, owner):
    deliver_all(deliver, new_subscription(owner))
    minutes = 60 * 24 * 30
    renewed = {
        "current_period_start": PERIOD_END,
        "current_period_end": iso(BASE_TIME + timedelta(days=60)),
    }
    renewal_order = {"id": "9c1d2e3f-0000-4000-8000-000000000002", "billing_reason": "subscription_cycle"}
    deliver_all(
        deliver,
        [
            subscription_event(owner, "subscription.cycled", minutes=minutes, **renewed),
            subscription_event(owner, "subscription.updated", minutes=minutes, **renewed),
            order_event(owner, "order.created", minutes=minutes, status="pending", paid=False, **renewal_order),
            order_event(owner, "order.updated", minutes=minutes + 1, **renewal_order),
            order_event(owner, "order.paid", minutes=minutes + 1, **renewal_order),
        ],
    )

    subscription = Subscription.objects.get(pk=SUBSCRIPTION_ID)
    assert subscription.current_period_end == BASE_TIME + timedelta(days=60)
    assert subscription.status == "active"
    assert list(selectors.user_orders(user=owner).values_list("billing_reason", "status")) == [
        ("subscription_cycle", "paid"),
        ("subscription_create", "paid"),
    ]


def test_uncancel_clears_the_cancellation(deliver, owner):
    deliver_all(deliver, new_subscription(owner))
    cancel = {"cancel_at_period_end": True, "canceled_at": iso(BASE_TIME + timedelta(days=1)), "ends_at": PERIOD_END}
    deliver_all(
        deliver,
        [
            subscription_event(owner, "subscription.canceled", minutes=60 * 24, **cancel),
            subscription_event(owner, "subscription.uncanceled", minutes=60 * 25, cancel_at_period_end=False),
        ],
    )

    subscription = Subscription.objects.get(pk=SUBSCRIPTION_ID)
    assert (subscription.status, subscription.cancel_at_period_end, subscription.canceled_at) == ("active", False, None)


def test_same_webhook_id_twice_is_processed_once(deliver, owner):
    event = subscription_event(owner, "subscription.active")

    first = deliver(event, webhook_id="msg_same")
    second = deliver(event, webhook_id="msg_same")

    assert (first.status_code, first.json()["status"]) == (200, "processed")
    assert (second.status_code, second.json()["status"]) == (200, "duplicate")
    stored = WebhookEvent.objects.get()
    assert (stored.webhook_id, stored.state, stored.attempts) == ("msg_same", "processed", 1)
    assert AuditEvent.objects.filter(action="billing.subscription_changed").count() == 1


def test_late_active_after_revoked_stays_revoked(deliver, owner):
    revoked = {"status": "canceled", "ended_at": iso(BASE_TIME + timedelta(hours=1))}
    deliver(subscription_event(owner, "subscription.revoked", minutes=60, **revoked))

    late = deliver(subscription_event(owner, "subscription.active", minutes=0))

    assert late.status_code == 200
    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).status == "canceled"
    assert not selectors.user_is_subscribed(user=owner)


def test_active_at_the_same_instant_as_revoked_does_not_revive_it(deliver, owner):
    deliver(subscription_event(owner, "subscription.revoked", minutes=5, status="canceled"))

    deliver(subscription_event(owner, "subscription.active", minutes=5))

    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).status == "canceled"


def test_older_update_never_overwrites_newer_state(deliver, owner):
    deliver(subscription_event(owner, "subscription.updated", minutes=10, cancel_at_period_end=True))

    deliver(subscription_event(owner, "subscription.updated", minutes=5, cancel_at_period_end=False, amount=999))

    subscription = Subscription.objects.get(pk=SUBSCRIPTION_ID)
    assert (subscription.cancel_at_period_end, subscription.amount) == (True, 1900)
    assert subscription.modified_at == BASE_TIME + timedelta(minutes=10)


def test_older_order_state_never_overwrites_newer(deliver, owner):
    deliver(order_event(owner, "order.paid", minutes=2))

    deliver(order_event(owner, "order.created", minutes=1, status="pending", paid=False))

    assert Order.objects.get(pk=ORDER_ID).status == "paid"


def test_subscription_status_change_is_audited_for_the_user(deliver, owner):
    deliver(subscription_event(owner, "subscription.created", minutes=0, status="incomplete"))
    deliver(subscription_event(owner, "subscription.active", minutes=1))

    audits = AuditEvent.objects.filter(action="billing.subscription_changed", user=owner).order_by("id")
    assert [a.details["changes"]["status"] for a in audits] == [[None, "incomplete"], ["incomplete", "active"]]
    assert audits[1].details["source"] == "webhook:subscription.active"
    # Only what changed: the link to the user stayed as it was.
    assert audits[1].details["changes"] == {"status": ["incomplete", "active"]}


def test_an_update_for_the_linked_user_takes_three_statements(deliver, owner):
    deliver(subscription_event(owner, "subscription.created", minutes=0, status="incomplete"))
    event = subscription_event(owner, "subscription.updated", minutes=1, status="incomplete", amount=1900)

    with CaptureQueriesContext(connection) as queries:
        deliver(event)

    # Store the event, lock the row, update it: no user lookup, no audit (nothing the user sees changed).
    # (Savepoints: the test's own transaction wraps the webhook's.)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert [sql.split()[0] for sql in statements] == ["INSERT", "SELECT", "UPDATE"]
    assert not any("accounts_user" in sql for sql in statements)
    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).amount == 1900


def test_subscription_for_unknown_user_is_stored_unlinked_with_a_warning(deliver, owner, caplog):
    event = subscription_event(owner, "subscription.active")
    event["data"]["customer"]["external_id"] = "5b0c6f4e-1d2a-4b3c-9e8f-7a6b5c4d3e2f"

    with caplog.at_level(logging.WARNING, logger="billing.services"):
        response = deliver(event)

    assert response.status_code == 200
    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).user is None
    assert any("belongs to no user" in record.getMessage() for record in caplog.records)


def test_subscription_with_an_invalid_external_id_is_stored_unlinked(deliver, owner):
    event = subscription_event(owner, "subscription.active")
    event["data"]["customer"]["external_id"] = "not-a-uuid"

    assert deliver(event).status_code == 200
    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).user is None


def test_order_is_linked_to_its_user(deliver, owner):
    response = deliver(load_fixture("order.paid", owner))

    assert response.status_code == 200
    order = Order.objects.get(pk=ORDER_ID)
    assert (order.user, order.product_name, order.invoice_number, order.currency) == (
        owner,
        "Pro",
        "POLAR-0001",
        "USD",
    )


def test_order_without_a_known_customer_follows_its_subscription(deliver, owner):
    deliver(subscription_event(owner, "subscription.active"))
    event = order_event(owner, "order.paid")
    event["data"]["customer"]["external_id"] = None

    deliver(event)

    assert Order.objects.get(pk=ORDER_ID).user == owner


@pytest.mark.parametrize("event_type", ["checkout.created", "customer.updated", "benefit_grant.created"])
def test_other_event_types_are_stored_and_ignored(deliver, owner, event_type):
    event = {"type": event_type, "timestamp": iso(BASE_TIME), "data": {"id": "x-1", "customer": {}}}

    response = deliver(event)

    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert WebhookEvent.objects.get().state == "ignored"
    assert not Subscription.objects.exists()


def test_stored_event_keeps_type_object_and_payload(deliver, owner):
    event = subscription_event(owner, "subscription.active")

    deliver(event, webhook_id="msg_keep")

    stored = WebhookEvent.objects.get(webhook_id="msg_keep")
    assert (stored.type, stored.object_id, stored.payload) == ("subscription.active", SUBSCRIPTION_ID, event)
    assert stored.processed_at is not None


def test_processing_error_answers_500_and_keeps_the_error(deliver, owner):
    event = subscription_event(owner, "subscription.active", status="paused-by-a-new-polar-feature")

    response = deliver(event, webhook_id="msg_broken")

    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    stored = WebhookEvent.objects.get(webhook_id="msg_broken")
    assert (stored.state, stored.attempts, stored.processed_at) == ("failed", 1, None)
    assert "paused-by-a-new-polar-feature" in stored.last_error
    assert not Subscription.objects.exists()


def test_failed_event_is_processed_when_polar_delivers_it_again(deliver, owner, monkeypatch):
    event = subscription_event(owner, "subscription.active")

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "subscription.active", broken)
    assert deliver(event, webhook_id="msg_retry").status_code == 500
    monkeypatch.undo()

    retried = deliver(event, webhook_id="msg_retry")

    assert (retried.status_code, retried.json()["status"]) == (200, "processed")
    stored = WebhookEvent.objects.get(webhook_id="msg_retry")
    assert (stored.state, stored.attempts, stored.last_error) == ("processed", 2, "")
    assert Subscription.objects.get(pk=SUBSCRIPTION_ID).status == "active"


def test_webhook_needs_no_session_and_no_csrf_token(deliver, owner, polar_client_anonymous):
    response = deliver(subscription_event(owner, "subscription.active"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# --- Signatures: 403 and nothing stored -----------------------------------------------------------


def test_wrong_secret_is_rejected_and_nothing_stored(polar_client_anonymous, webhook_secret, owner):
    other = WHSEC_SECRET if webhook_secret == LEGACY_SECRET else LEGACY_SECRET

    response = post_event(polar_client_anonymous, subscription_event(owner, "subscription.active"), secret=other)

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert not WebhookEvent.objects.exists()
    assert not Subscription.objects.exists()


def test_tampered_body_is_rejected_and_nothing_stored(polar_client_anonymous, webhook_secret, owner):
    event = subscription_event(owner, "subscription.active")
    body = json.dumps(event)
    headers = signed_headers(body, secret=webhook_secret)
    tampered = body.replace('"amount": 1900', '"amount": 1')

    response = polar_client_anonymous.post(
        "/api/payments/webhooks", data=tampered, content_type="application/json", headers=headers
    )

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_stale_timestamp_is_rejected_and_nothing_stored(deliver, owner):
    ten_minutes_ago = datetime.now(tz=UTC) - timedelta(minutes=10)

    response = deliver(subscription_event(owner, "subscription.active"), at=ten_minutes_ago)

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_timestamp_from_the_future_is_rejected(deliver, owner):
    response = deliver(
        subscription_event(owner, "subscription.active"), at=datetime.now(tz=UTC) + timedelta(minutes=10)
    )

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_rejected_and_nothing_stored(deliver, owner, missing):
    def drop(headers):
        return {name: value for name, value in headers.items() if name != missing}

    response = deliver(subscription_event(owner, "subscription.active"), headers=drop)

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("signature", ["garbage", "v1,not-base64!!", "v2,AAAA", ""])
def test_malformed_signature_is_rejected(deliver, owner, signature):
    response = deliver(
        subscription_event(owner, "subscription.active"), headers=lambda h: {**h, "webhook-signature": signature}
    )

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_no_secret_configured_answers_503(polar_client_anonymous, settings, owner):
    settings.POLAR_WEBHOOK_SECRET = ""

    response = post_event(polar_client_anonymous, subscription_event(owner, "subscription.active"), secret="x")

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert not WebhookEvent.objects.exists()


def test_get_is_not_allowed(polar_client_anonymous, webhook_secret):
    response = polar_client_anonymous.get("/api/payments/webhooks")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_signed_body_that_is_not_an_event_is_rejected(deliver):
    response = deliver({"data": {}})

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_signed_body_that_is_not_json_is_rejected(polar_client_anonymous, webhook_secret):
    body = "this is not json"

    response = polar_client_anonymous.post(
        "/api/payments/webhooks",
        data=body,
        content_type="application/json",
        headers=signed_headers(body, secret=webhook_secret),
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_whsec_secret_also_accepts_the_legacy_scheme(polar_client_anonymous, settings, owner):
    """Polar's SDK signs with the UTF-8 bytes of the whole secret even for `whsec_` secrets."""
    settings.POLAR_WEBHOOK_SECRET = WHSEC_SECRET
    event = subscription_event(owner, "subscription.active")
    body = json.dumps(event)
    now = datetime.now(tz=UTC)
    legacy = Webhook(base64.b64encode(WHSEC_SECRET.encode()).decode())
    headers = {
        "webhook-id": "msg_legacy_whsec",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": legacy.sign("msg_legacy_whsec", now, body),
    }

    response = polar_client_anonymous.post(
        "/api/payments/webhooks", data=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 200
