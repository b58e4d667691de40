"""Polar's deliveries: stored, claimed once, applied by the handler `billing.webhooks` picks, kept with
their error when that fails, replayed and purged."""

import copy
import json
import logging
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.models import WebhookEvent
from billing.services.polar_data import (
    PolarPayloadError,
    UpsertResult,
    as_user_id,
    user_id_if_exists,
)
from saas.db import insert_if_absent

logger = logging.getLogger(__name__)


# --- Webhook events ---------------------------------------------------------------------------------


def _webhook_event_build(*, webhook_id: str, payload: dict[str, Any]) -> WebhookEvent:
    data = payload.get("data")
    object_id = data.get("id") if isinstance(data, dict) else None
    event = WebhookEvent(
        webhook_id=webhook_id,
        type=str(payload.get("type", ""))[:64],
        object_id=object_id[:64] if isinstance(object_id, str) else "",
        payload=payload,
        received_at=timezone.now(),
    )
    event.full_clean(validate_unique=False, validate_constraints=False)
    return event


class EventHandler(Protocol):
    """Applies one type of Polar event (`billing.webhooks.handler_for` picks it): an upsert from `data`."""

    def __call__(self, *, data: dict[str, Any], source: str) -> UpsertResult: ...


def _webhook_event_insert(event: WebhookEvent) -> None:
    # ON CONFLICT DO NOTHING: a second copy never raises (on PostgreSQL it waits for the first copy's
    # transaction); the claim below decides who applies it.
    insert_if_absent(event, conflict_field="webhook_id")


def _webhook_event_insert_claimed(event: WebhookEvent, *, state: str, user_id: uuid.UUID | None) -> bool:
    """Insert the event already claimed (`state`, one attempt) unless its webhook-id is stored: True if inserted.

    The common case, a delivery seen for the first time, then costs one statement instead of an insert
    and a claim. A copy that conflicts (a duplicate, or Polar retrying a failed delivery) inserts nothing
    and goes through the claim in `webhook_event_process` like any stored event.
    """
    claimed = copy.copy(event)  # the caller's event stays "received" for the failure path
    claimed.state, claimed.processed_at, claimed.attempts, claimed.last_error = state, timezone.now(), 1, ""
    claimed.user_id = user_id
    return insert_if_absent(claimed, conflict_field="webhook_id")


def _payload_user_id(payload: Any) -> uuid.UUID | None:
    """The user id in a delivery's `data.customer.external_id`, not yet looked up: it may be no user of ours."""
    data = payload.get("data") if isinstance(payload, dict) else None
    customer = data.get("customer") if isinstance(data, dict) else None
    return as_user_id(customer.get("external_id")) if isinstance(customer, dict) else None


def _event_payload(event: WebhookEvent) -> Any:
    """The delivery as parsed JSON: the payload column, or the raw body kept when the database refused it."""
    if event.payload is not None or not event.raw_body:
        return event.payload
    try:
        return json.loads(event.raw_body)
    except ValueError:
        raise PolarPayloadError("The kept body is not JSON.") from None


def _storable(text: str) -> str:
    """`text` as any database column takes it: NUL characters and lone surrogates written as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def webhook_event_receive(
    *, webhook_id: str, payload: dict[str, Any], handler: EventHandler | None, body: str | None = None
) -> str:
    """The webhook's write: store the verified delivery and apply it with `handler`, in one transaction.

    When applying fails, the transaction rolls back and the delivery is stored again as failed, with the
    error, before the error is re-raised: every verified delivery is kept, processed or failed. `body` is
    the request's body, kept as text when the database refuses the payload as JSON (else `payload` re-encoded).
    """
    event = _webhook_event_build(webhook_id=webhook_id, payload=payload)
    return webhook_event_process(event=event, handler=handler, store=True, body=body)


def webhook_event_process(
    *,
    event: WebhookEvent,
    handler: EventHandler | None,
    force: bool = False,
    store: bool = False,
    body: str | None = None,
) -> str:
    """Claim the event and apply it in one transaction: "processed", "ignored" (no handler) or "duplicate".

    A delivery is claimed with `filter(...).update(...) == 1`, so two copies never both apply it; the claim
    rolls back with a failed handler, the error is kept on the event and re-raised (the webhook answers 500).
    `store` inserts the event first, in the same transaction; `force` (replay) re-applies an event whatever
    its state (applying is idempotent). The event is linked to the user its object belongs to.
    """
    target = WebhookEvent.State.PROCESSED if handler is not None else WebhookEvent.State.IGNORED
    claimable = Q(webhook_id=event.webhook_id)
    if not force:
        claimable &= Q(state__in=[WebhookEvent.State.RECEIVED, WebhookEvent.State.FAILED])
    named = None
    try:
        payload = _event_payload(event)
        # The claim links the event to the user the payload names before the handler has looked them up, so
        # the common case costs no statement more; the foreign key is checked at commit, and the handler's
        # answer replaces this one first when they differ. With no handler, the user is looked up here.
        named = _payload_user_id(payload)
        if handler is None:
            named = user_id_if_exists(named)
        with transaction.atomic():
            inserted = store and _webhook_event_insert_claimed(event, state=target, user_id=named)
            if not inserted:
                claimed = WebhookEvent.objects.filter(claimable).update(
                    state=target, processed_at=timezone.now(), attempts=F("attempts") + 1, last_error="", user=named
                )
                if claimed != 1:
                    return "duplicate"
            if handler is not None:
                data = payload.get("data") if isinstance(payload, dict) else None
                if not isinstance(data, dict):
                    raise PolarPayloadError("The event has no `data` object.")
                result = handler(data=data, source=f"webhook:{event.type}")
                if result.user_id != named:
                    WebhookEvent.objects.filter(webhook_id=event.webhook_id).update(user=result.user_id)
    except Exception as exc:
        log_extra = {"webhook_id": event.webhook_id, "event_type": event.type}
        try:
            _webhook_event_keep_failed(event, claimable=claimable, error=exc, user_id=named, store=store, body=body)
        except Exception:
            # The traceback shows both errors: the one applying the event, then the one keeping it.
            logger.exception(
                "Polar webhook %s (%s) failed and could not be kept", event.webhook_id, event.type, extra=log_extra
            )
        else:
            logger.exception(
                "Polar webhook %s (%s) failed; kept for replay_webhooks", event.webhook_id, event.type, extra=log_extra
            )
        raise
    return str(target)


def _webhook_event_keep_failed(
    event: WebhookEvent, *, claimable: Q, error: BaseException, user_id, store: bool, body: str | None
) -> None:
    """Mark the event failed with `error` (storing it first when `store`), whatever its payload holds."""
    with transaction.atomic():
        if store:
            _webhook_event_insert_as_text_if_refused(event, body=body)
        # Kept for replay, and still deleted with the user it names.
        WebhookEvent.objects.filter(claimable).update(
            state=WebhookEvent.State.FAILED,
            processed_at=None,
            attempts=F("attempts") + 1,
            last_error=_storable("".join(traceback.format_exception(error))[-4000:]),
            user=user_id_if_exists(user_id),
        )


def _webhook_event_insert_as_text_if_refused(event: WebhookEvent, *, body: str | None) -> None:
    """Insert the event; when the database refuses what it carries, insert it with the body kept as text."""
    try:
        with transaction.atomic():  # a savepoint: on PostgreSQL a refused statement spoils the transaction
            _webhook_event_insert(event)
        return
    except (DatabaseError, ValueError):  # JSONB's `\u0000`; psycopg cannot encode a lone surrogate
        pass
    as_text = copy.copy(event)
    as_text.payload = None
    # ASCII JSON when the body is not at hand: `\u0000` and lone surrogates stay escapes.
    as_text.raw_body = _storable(body if body is not None else json.dumps(event.payload))
    as_text.type = _storable(event.type)[:64]
    as_text.object_id = _storable(event.object_id)[:64]
    _webhook_event_insert(as_text)


def webhook_event_replay(*, event: WebhookEvent, handler: EventHandler | None) -> str:
    """Apply a stored event again with `handler` (replay_webhooks, the admin action); raises what it raised."""
    return webhook_event_process(event=event, handler=handler, force=True)


# --- Periodic jobs (billing/tasks.py) ------------------------------------------------------------------------

# A failed delivery is replayed after 1, 3, 7, 15, ... minutes from its arrival, 10 attempts in all (about
# 17 hours); after that it waits for an operator (`replay_webhooks`, the admin).
WEBHOOK_RETRY_BASE_SECONDS = 60
WEBHOOK_RETRY_MAX_ATTEMPTS = 10
WEBHOOK_PAYLOAD_DAYS = 90


def _webhook_retry_due(event: WebhookEvent, now: datetime) -> bool:
    wait = WEBHOOK_RETRY_BASE_SECONDS * (2 ** max(event.attempts, 1) - 1)
    return event.received_at + timedelta(seconds=wait) <= now


def webhook_events_retry_failed(
    *, handler_for: Callable[[str], EventHandler | None], limit: int = 500
) -> dict[str, int]:
    """Replay the failed Polar deliveries whose backoff has passed; counts of what happened. `handler_for`
    is the webhook's dispatch table (billing.webhooks.handler_for).

    Each event is claimed like a delivery (`webhook_event_process`), so it is applied once even when two
    runs overlap; a failure again keeps the error on the event and counts one more attempt.
    """
    now = timezone.now()
    failed = WebhookEvent.objects.filter(
        state=WebhookEvent.State.FAILED, attempts__lt=WEBHOOK_RETRY_MAX_ATTEMPTS
    ).order_by("received_at")[:limit]
    counts = {"replayed": 0, "failed": 0, "waiting": 0}
    for event in failed:
        if not _webhook_retry_due(event, now):
            counts["waiting"] += 1
            continue
        try:
            outcome = webhook_event_process(event=event, handler=handler_for(event.type))
        except Exception:
            counts["failed"] += 1  # logged and kept on the event by webhook_event_process
            continue
        if outcome != "duplicate":
            counts["replayed"] += 1
    return counts


def webhook_events_purge(*, days: int = WEBHOOK_PAYLOAD_DAYS, batch: int = 1000) -> int:
    """Delete stored Polar deliveries older than `days` (their payloads carry customers' details)."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(WebhookEvent.objects.filter(received_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        count, _ = WebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += count
