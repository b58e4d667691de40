"""Writes for billing, one module per entity: Polar's subscriptions and orders mirrored into our tables,
webhook deliveries, plans, checkout and portal sessions.

The webhook, `sync_subscriptions`, `replay_webhooks` and the nightly reconciliation all apply Polar's state
through `subscription_upsert_from_polar` and `order_upsert_from_polar`: upsert by Polar's id under a row
lock, and never let an older state overwrite a newer one. Which upsert applies which event type is
`billing.webhooks`' table; the event-processing services take the handler it picks.
"""

from billing.services.orders import order_upsert_from_polar
from billing.services.plans import (
    checkout_start,
    demo_plans_ensure,
    plans_sync_from_polar,
    portal_session_create,
)
from billing.services.subscriptions import (
    subscription_upsert_from_polar,
    subscriptions_reconcile,
    subscriptions_sync_for_user,
)
from billing.services.webhook_events import (
    EventHandler,
    webhook_event_receive,
    webhook_event_replay,
    webhook_events_purge,
    webhook_events_retry_failed,
)

__all__ = [
    "EventHandler",
    "checkout_start",
    "demo_plans_ensure",
    "order_upsert_from_polar",
    "plans_sync_from_polar",
    "portal_session_create",
    "subscription_upsert_from_polar",
    "subscriptions_reconcile",
    "subscriptions_sync_for_user",
    "webhook_event_receive",
    "webhook_event_replay",
    "webhook_events_purge",
    "webhook_events_retry_failed",
]
