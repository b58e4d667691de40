"""Each stored Polar delivery is linked to the user it names, so deleting the account deletes it by key."""

import importlib
import logging

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services, webhooks
from billing.models import WebhookEvent
from tests.billing.conftest import iso, order_event, subscription_event
from tests.billing.test_webhooks import BASE_TIME

pytestmark = pytest.mark.django_db

UNKNOWN_USER_ID = "5b0c6f4e-1d2a-4b3c-9e8f-7a6b5c4d3e2f"
backfill = importlib.import_module("billing.migrations.0004_webhookevent_user_backfill")


def stored(webhook_id: str) -> WebhookEvent:
    return WebhookEvent.objects.get(webhook_id=webhook_id)


def test_a_processed_subscription_event_is_linked_to_its_user(deliver, owner):
    deliver(subscription_event(owner, "subscription.active"), webhook_id="msg_1")

    assert stored("msg_1").user == owner


def test_an_event_for_the_linked_user_is_linked_without_another_statement(deliver, owner):
    deliver(subscription_event(owner, "subscription.created", minutes=0, status="incomplete"))
    event = subscription_event(owner, "subscription.updated", minutes=1, status="incomplete", amount=1900)

    with CaptureQueriesContext(connection) as queries:
        deliver(event, webhook_id="msg_update")

    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert [sql.split()[0] for sql in statements] == ["INSERT", "SELECT", "UPDATE"]
    assert stored("msg_update").user == owner


def test_an_order_without_a_known_customer_is_linked_to_its_subscriptions_user(deliver, owner):
    deliver(subscription_event(owner, "subscription.active"))
    event = order_event(owner, "order.paid")
    event["data"]["customer"]["external_id"] = None

    deliver(event, webhook_id="msg_order")

    assert stored("msg_order").user == owner


def test_an_event_naming_no_user_of_ours_is_stored_unlinked(deliver, owner, caplog):
    event = subscription_event(owner, "subscription.active")
    event["data"]["customer"]["external_id"] = UNKNOWN_USER_ID

    with caplog.at_level(logging.WARNING, logger="billing.services"):
        response = deliver(event, webhook_id="msg_unknown")

    assert response.status_code == 200
    assert stored("msg_unknown").user is None


def test_an_older_state_skipped_is_still_linked_to_its_user(deliver, owner):
    deliver(subscription_event(owner, "subscription.updated", minutes=10))

    deliver(subscription_event(owner, "subscription.updated", minutes=5), webhook_id="msg_old")

    assert stored("msg_old").user == owner


def test_an_ignored_event_naming_a_user_is_linked_to_them(deliver, owner):
    event = {"type": "checkout.updated", "timestamp": iso(BASE_TIME), "data": {"id": "c-1", "customer": {}}}
    event["data"]["customer"]["external_id"] = str(owner.pk)

    response = deliver(event, webhook_id="msg_ignored")

    assert response.json()["status"] == "ignored"
    assert stored("msg_ignored").user == owner


def test_a_failed_event_is_linked_to_the_user_it_names(deliver, owner):
    event = subscription_event(owner, "subscription.active", status="paused-by-a-new-polar-feature")

    assert deliver(event, webhook_id="msg_broken").status_code == 500

    assert (stored("msg_broken").state, stored("msg_broken").user) == ("failed", owner)


def test_a_replayed_event_is_linked_to_its_user(owner):
    payload = subscription_event(owner, "subscription.active")
    event = WebhookEvent.objects.create(webhook_id="msg_old_row", type=payload["type"], payload=payload)

    services.webhook_event_replay(event=event, handler=webhooks.handler_for(event.type))

    assert stored("msg_old_row").user == owner


def test_deleting_the_user_deletes_the_events_linked_to_them(deliver, owner, outsider):
    deliver(subscription_event(owner, "subscription.active"), webhook_id="msg_owner")
    deliver(order_event(outsider, "order.paid"), webhook_id="msg_outsider")

    owner.delete()

    assert list(WebhookEvent.objects.values_list("webhook_id", flat=True)) == ["msg_outsider"]


def test_staff_see_the_events_user_in_the_admin_and_cannot_change_it(deliver, owner, staff, client):
    deliver(subscription_event(owner, "subscription.active"), webhook_id="msg_admin")
    client.force_login(staff)

    listing = client.get("/admin/billing/webhookevent/").content.decode()
    page = client.get(f"/admin/billing/webhookevent/{stored('msg_admin').pk}/change/").content.decode()

    assert "owner@example.com" in listing
    assert f'href="/admin/accounts/user/{owner.pk}/change/"' in page
    assert 'name="user"' not in page


# --- The migration that links the deliveries stored before the field existed ---------------------------


def unlinked(webhook_id: str, payload: dict) -> WebhookEvent:
    return WebhookEvent.objects.create(webhook_id=webhook_id, type=payload.get("type", ""), payload=payload)


def test_the_backfill_links_events_to_the_user_their_customer_names(owner, outsider):
    unlinked("msg_owner", subscription_event(owner, "subscription.active"))
    unlinked("msg_outsider", order_event(outsider, "order.paid"))

    linked = backfill.backfill_users(apps, using="default")

    assert linked == 2
    assert (stored("msg_owner").user, stored("msg_outsider").user) == (owner, outsider)


def test_the_backfill_links_an_order_without_a_known_customer_to_its_subscriptions_user(owner):
    services.subscription_upsert_from_polar(data=subscription_event(owner, "subscription.active")["data"])
    order = order_event(owner, "order.paid")
    order["data"]["customer"]["external_id"] = UNKNOWN_USER_ID
    unlinked("msg_order", order)

    backfill.backfill_users(apps, using="default")

    assert stored("msg_order").user == owner


def test_the_backfill_leaves_events_naming_no_user_of_ours_unlinked(owner):
    unknown = subscription_event(owner, "subscription.active")
    unknown["data"]["customer"]["external_id"] = UNKNOWN_USER_ID
    unlinked("msg_unknown", unknown)
    unlinked("msg_malformed", {"type": "order.paid", "data": {"customer": {"external_id": "not-a-uuid"}}})
    unlinked("msg_no_data", {"type": "customer.created", "data": "?"})

    assert backfill.backfill_users(apps, using="default") == 0
    assert not WebhookEvent.objects.filter(user__isnull=False).exists()


def test_the_backfill_walks_the_table_in_batches(owner):
    for number in range(5):
        unlinked(f"msg_{number}", subscription_event(owner, "subscription.active"))

    with CaptureQueriesContext(connection) as queries:
        linked = backfill.backfill_users(apps, using="default", batch_size=2)

    # Each batch of two: read it, look its users up, one UPDATE per user; then a read that finds no more.
    statements = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "SELECT", "UPDATE"] * 3 + ["SELECT"]
    assert linked == 5
    assert WebhookEvent.objects.filter(user=owner).count() == 5
