"""Billing in the admin: plans editable, Polar's objects read-only, replay and re-sync actions."""

import pytest
from django.test import Client

from billing import webhooks
from billing.models import Plan, Subscription, WebhookEvent
from billing.services import subscription_upsert_from_polar
from tests.billing.conftest import LEGACY_SECRET, polar_subscription, post_event, subscription_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("model", ["plan", "subscription", "order", "webhookevent"])
def test_changelists_load_with_filters_and_search(staff_client, owner, model):
    subscription_upsert_from_polar(data=polar_subscription(owner))

    response = staff_client.get(f"/admin/billing/{model}/", {"q": "pro"})

    assert response.status_code == 200


def test_plans_can_be_added(staff_client):
    response = staff_client.get("/admin/billing/plan/add/")

    assert response.status_code == 200


def test_plan_with_bad_features_is_refused(staff_client):
    response = staff_client.post(
        "/admin/billing/plan/add/",
        {
            "slug": "x",
            "name": "X",
            "polar_product_id": "p",
            "price_amount": "100",
            "currency": "usd",
            "interval": "month",
            "features": '{"not": "a list"}',
            "sort_order": "0",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "Enter the features as a JSON list" in response.content.decode()
    assert not Plan.objects.exists()


@pytest.mark.parametrize("model", ["subscription", "order", "webhookevent"])
def test_polar_objects_cannot_be_added(staff_client, model):
    assert staff_client.get(f"/admin/billing/{model}/add/").status_code == 403


def test_subscription_page_is_read_only(staff_client, owner):
    subscription_upsert_from_polar(data=polar_subscription(owner))

    page = staff_client.get(f"/admin/billing/subscription/{polar_subscription(owner)['id']}/change/")

    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()


def test_replay_action_applies_a_failed_event(staff_client, owner, client, settings, monkeypatch):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    with monkeypatch.context() as patch:
        patch.setitem(webhooks.EVENT_HANDLERS, "subscription.active", lambda **kwargs: 1 / 0)
        post_event(client, subscription_event(owner, "subscription.active"), secret=LEGACY_SECRET)
    event = WebhookEvent.objects.get()
    assert event.state == "failed"

    response = staff_client.post(
        "/admin/billing/webhookevent/", {"action": "replay", "_selected_action": [event.pk]}, follow=True
    )

    assert "Replayed 1 event(s)." in response.content.decode()
    event.refresh_from_db()
    assert event.state == "processed"
    assert Subscription.objects.get().status == "active"


def test_resync_action_pulls_the_users_subscriptions(staff_client, owner, polar_api):
    subscription_upsert_from_polar(data=polar_subscription(owner))
    polar_api.subscriptions = [polar_subscription(owner, modified_at="2026-11-22T00:00:00Z", cancel_at_period_end=True)]

    response = staff_client.post(
        "/admin/billing/subscription/",
        {"action": "resync_users", "_selected_action": [polar_subscription(owner)["id"]]},
        follow=True,
    )

    assert "Synced 1 subscription(s) for 1 user(s)." in response.content.decode()
    assert Subscription.objects.get().cancel_at_period_end is True
