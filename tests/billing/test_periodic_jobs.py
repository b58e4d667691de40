"""Billing's periodic jobs: failed webhooks retried with backoff, old payloads purged, nightly reconciliation."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from billing import services, tasks, webhooks
from billing.models import Subscription, WebhookEvent
from saas.background import run_here
from tests.billing.conftest import LEGACY_SECRET, polar_subscription, post_event, subscription_event

pytestmark = pytest.mark.django_db


def retry_failed() -> dict[str, int]:
    return services.webhook_events_retry_failed(handler_for=webhooks.handler_for)


# --- Failed webhook events ----------------------------------------------------------------------------


@pytest.fixture
def failed_event(owner, client, settings, monkeypatch):
    """A delivery whose handler crashed on a passing fault: stored failed, after one attempt."""
    from billing import webhooks

    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    with monkeypatch.context() as patch:
        patch.setitem(webhooks.EVENT_HANDLERS, "subscription.active", broken)
        post_event(client, subscription_event(owner, "subscription.active"), secret=LEGACY_SECRET, webhook_id="msg_f")
    return WebhookEvent.objects.get(webhook_id="msg_f")


def _received(event: WebhookEvent, minutes_ago: float) -> None:
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_a_failed_webhook_waits_for_its_backoff(failed_event):
    _received(failed_event, minutes_ago=0.5)  # the first retry is due a minute after arrival

    assert retry_failed() == {
        "replayed": 0,
        "failed": 0,
        "waiting": 1,
    }
    assert not Subscription.objects.exists()


def test_a_failed_webhook_is_applied_once_its_backoff_has_passed(failed_event):
    _received(failed_event, minutes_ago=2)

    assert retry_failed() == {
        "replayed": 1,
        "failed": 0,
        "waiting": 0,
    }

    failed_event.refresh_from_db()
    assert (failed_event.state, failed_event.attempts) == ("processed", 2)
    assert Subscription.objects.get().status == "active"
    assert retry_failed() == {
        "replayed": 0,
        "failed": 0,
        "waiting": 0,
    }


def test_the_backoff_doubles_with_each_attempt(failed_event):
    WebhookEvent.objects.filter(pk=failed_event.pk).update(attempts=3)
    _received(failed_event, minutes_ago=6)  # attempt 4 is due 1 + 2 + 4 = 7 minutes after arrival

    assert retry_failed()["waiting"] == 1
    _received(failed_event, minutes_ago=8)
    assert retry_failed()["replayed"] == 1


def test_a_webhook_that_failed_ten_times_is_left_for_an_operator(failed_event):
    WebhookEvent.objects.filter(pk=failed_event.pk).update(attempts=10)
    _received(failed_event, minutes_ago=60 * 24 * 7)

    assert retry_failed() == {
        "replayed": 0,
        "failed": 0,
        "waiting": 0,
    }


def test_a_webhook_failing_again_counts_an_attempt_and_keeps_the_error(owner, client, settings):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    post_event(client, subscription_event(owner, "subscription.active", status="bogus"), secret=LEGACY_SECRET)
    event = WebhookEvent.objects.get()
    _received(event, minutes_ago=2)

    assert retry_failed()["failed"] == 1

    event.refresh_from_db()
    assert (event.state, event.attempts) == ("failed", 2)
    assert "bogus" in event.last_error


def test_webhook_payloads_older_than_90_days_are_purged_twice_safely(failed_event, owner, client, settings):
    post_event(client, subscription_event(owner, "subscription.updated", minutes=1), secret=LEGACY_SECRET)
    _received(failed_event, minutes_ago=60 * 24 * 91)

    assert run_here(tasks.webhook_events_purge) == 1
    assert run_here(tasks.webhook_events_purge) == 0
    assert list(WebhookEvent.objects.values_list("type", flat=True)) == ["subscription.updated"]


# --- Reconciliation ---------------------------------------------------------------------------------------


def test_reconciliation_applies_a_subscription_whose_creation_was_missed(polar_api, owner, caplog):
    polar_api.respond("GET", "/v1/subscriptions/", 200, {"items": [polar_subscription(owner)], "pagination": {}})
    caplog.set_level(logging.INFO, logger="billing.services")

    result = services.subscriptions_reconcile()

    assert result.created == [polar_subscription(owner)["id"]]
    subscription = Subscription.objects.get()
    assert (subscription.user, subscription.status) == (owner, "active")
    (repair,) = [record for record in caplog.records if record.message.startswith("Reconciliation repaired")]
    assert repair.polar_id == subscription.id
    assert polar_api.calls("GET", "/v1/subscriptions/")[0]["query"]["active"] == "true"


def test_reconciliation_repairs_a_missed_cancellation(polar_api, owner):
    services.subscription_upsert_from_polar(data=polar_subscription(owner))
    subscription_id = Subscription.objects.get().id
    revoked = polar_subscription(owner, status="canceled", modified_at="2026-11-25T00:00:00Z")
    polar_api.respond("GET", "/v1/subscriptions/", 200, {"items": [], "pagination": {}})
    polar_api.respond("GET", f"/v1/subscriptions/{subscription_id}", 200, revoked)

    result = services.subscriptions_reconcile()

    assert result.changed == {subscription_id: {"status": ["active", "canceled"]}}
    assert Subscription.objects.get().status == "canceled"


def test_reconciliation_twice_changes_nothing(polar_api, owner):
    services.subscription_upsert_from_polar(data=polar_subscription(owner))
    for _ in range(2):
        polar_api.respond("GET", "/v1/subscriptions/", 200, {"items": [polar_subscription(owner)], "pagination": {}})

    services.subscriptions_reconcile()
    result = services.subscriptions_reconcile()

    assert (result.checked, result.created, result.changed) == (1, [], {})


def test_reconciliation_never_lets_an_older_state_win(polar_api, owner):
    services.subscription_upsert_from_polar(
        data=polar_subscription(owner, status="canceled", modified_at="2026-11-25T00:00:00Z")
    )
    polar_api.respond("GET", "/v1/subscriptions/", 200, {"items": [polar_subscription(owner)], "pagination": {}})

    services.subscriptions_reconcile()

    assert Subscription.objects.get().status == "canceled"


def test_the_reconcile_task_is_skipped_without_a_polar_token(settings):
    settings.POLAR_ACCESS_TOKEN = ""

    assert run_here(tasks.subscriptions_reconcile) == {"skipped": "POLAR_ACCESS_TOKEN is not set"}


def test_the_reconcile_task_fails_for_a_retry_when_polar_is_down(polar_api, owner):
    from billing.polar import PolarError

    for _ in range(3):
        polar_api.respond("GET", "/v1/subscriptions/", 503, {"detail": "down"})

    with pytest.raises(PolarError):
        run_here(tasks.subscriptions_reconcile)
