"""Background tasks of billing: the periodic jobs that keep our copy of Polar's state right."""

from dataclasses import asdict

from billing import polar, services, webhooks
from saas.background import background_task


@background_task(max_attempts=3)
def webhook_events_retry_failed() -> dict:
    return services.webhook_events_retry_failed(handler_for=webhooks.handler_for)


@background_task(max_attempts=3)
def webhook_events_purge() -> int:
    return services.webhook_events_purge()


# Polar unreachable: try again over the next hour or so; the next night's run catches up anyway.
@background_task(max_attempts=4, backoff=300)
def subscriptions_reconcile() -> dict:
    if not polar.is_configured():
        return {"skipped": "POLAR_ACCESS_TOKEN is not set"}
    return asdict(services.subscriptions_reconcile())
