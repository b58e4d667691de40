"""Writes for billing: Polar objects mirrored into our tables, webhook events, checkout and portal sessions.

The webhook, `sync_subscriptions` and `replay_webhooks` all apply Polar's state through
`subscription_upsert_from_polar` and `order_upsert_from_polar`: upsert by Polar's id under a row lock,
and never let an older state overwrite a newer one. Which upsert applies which event type is
`billing.webhooks`' table; the event-processing services here take the handler it picks.
"""

import copy
import json
import logging
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from billing import polar
from billing.models import DEMO_SUBSCRIPTION_PREFIX, Order, Plan, Subscription, WebhookEvent
from saas.db import insert_if_absent, locked_by_pk

logger = logging.getLogger(__name__)

# `user=FROM_PAYLOAD`: link to the user named by `data.customer.external_id`.
FROM_PAYLOAD: Any = object()

# Changes to these are what the user sees; each one is an audit row.
USER_FACING_SUBSCRIPTION_FIELDS = ("status", "cancel_at_period_end", "product_id", "user_id")


class PolarPayloadError(ValueError):
    """Polar's object lacks something we need (an id, a date): the event fails and can be replayed."""


# --- Parsing Polar's objects -----------------------------------------------------------------------


def _datetime(data: dict[str, Any], key: str, *, required: bool = False) -> datetime | None:
    raw = data.get(key)
    if raw in (None, ""):
        if required:
            raise PolarPayloadError(f"`{key}` is missing.")
        return None
    value = parse_datetime(str(raw)) if not isinstance(raw, datetime) else raw
    if value is None:
        raise PolarPayloadError(f"`{key}` is not a date-time: {raw!r}.")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.UTC)
    return value


def _int(data: dict[str, Any], key: str) -> int:
    raw = data.get(key)
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise PolarPayloadError(f"`{key}` is not a whole number of minor units: {raw!r}.")
    return raw


def _text(data: dict[str, Any], key: str, max_length: int | None = None) -> str:
    raw = data.get(key)
    value = "" if raw is None else str(raw)
    return value[:max_length] if max_length else value


def _object_id(data: dict[str, Any]) -> str:
    polar_id = data.get("id")
    if not isinstance(polar_id, str) or not polar_id or len(polar_id) > 64:
        raise PolarPayloadError("`data.id` is missing or not an id.")
    return polar_id


def _nested(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _named_user_id(data: dict[str, Any], *, linked_user_id=None) -> uuid.UUID | None:
    """The user `data` belongs to: the one `data.customer.external_id` names, when it is one of ours.

    No `customer` object: the user already linked. Already linked to that user: no query.
    """
    customer = data.get("customer")
    if not isinstance(customer, dict):
        return linked_user_id
    return _user_id_if_exists(customer.get("external_id"), linked_user_id=linked_user_id)


def _resolve_user(data: dict[str, Any], *, kind: str, linked_user_id=None) -> uuid.UUID | None:
    """The user to link `data` to (`_named_user_id`); a customer who is no user of ours is logged."""
    user_id = _named_user_id(data, linked_user_id=linked_user_id)
    if user_id is None and isinstance(data.get("customer"), dict):
        _warn_unlinked(kind, data)
    return user_id


def _user_id_if_exists(external_id: Any, *, linked_user_id=None) -> uuid.UUID | None:
    """`external_id` as the id of one of our users, or None; no query when it is the user already linked."""
    user_id = _as_user_id(external_id)
    if user_id is not None and (user_id == linked_user_id or User.objects.filter(pk=user_id).exists()):
        return user_id
    return None


def _as_user_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _given_user_id(user: Any) -> Any:
    """An upsert's `user=` as the id to link: FROM_PAYLOAD stays, for the payload to decide."""
    if user is FROM_PAYLOAD:
        return FROM_PAYLOAD
    return user.pk if user is not None else None


def _warn_unlinked(kind: str, data: dict[str, Any]) -> None:
    external_id = _nested(data, "customer").get("external_id")
    logger.warning(
        "Polar %s %s belongs to no user of ours; stored unlinked",
        kind,
        data.get("id"),
        extra={"polar_object": kind, "polar_id": data.get("id"), "external_customer_id": external_id},
    )


def _is_stale(*, incoming: datetime, stored: datetime, stored_status: str | None, incoming_status: str | None) -> bool:
    """An older state never overwrites a newer one; at the same instant a revocation stays final."""
    if incoming < stored:
        return True
    return (
        incoming == stored
        and stored_status == Subscription.Status.CANCELED
        and incoming_status not in (None, Subscription.Status.CANCELED)
    )


# --- Subscriptions -------------------------------------------------------------------------------------


def _subscription_fields(data: dict[str, Any]) -> dict[str, Any]:
    created_at = _datetime(data, "created_at", required=True)
    status = _text(data, "status")
    if status not in Subscription.Status.values:
        raise PolarPayloadError(f"`status` {status!r} is not a subscription status we know.")
    return {
        "created_at": created_at,
        "modified_at": _datetime(data, "modified_at"),
        "amount": _int(data, "amount"),
        "currency": (_text(data, "currency") or "usd").upper(),
        "recurring_interval": _text(data, "recurring_interval", 10),
        "status": status,
        "current_period_start": _datetime(data, "current_period_start") or created_at,
        "current_period_end": _datetime(data, "current_period_end"),
        "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
        "canceled_at": _datetime(data, "canceled_at"),
        "started_at": _datetime(data, "started_at"),
        "ends_at": _datetime(data, "ends_at"),
        "ended_at": _datetime(data, "ended_at"),
        "customer_id": _text(data, "customer_id") or _text(_nested(data, "customer"), "id"),
        "product_id": _text(data, "product_id") or _text(_nested(data, "product"), "id"),
        "discount_id": _text(data, "discount_id"),
        "checkout_id": _text(data, "checkout_id"),
        "customer_cancellation_reason": _text(data, "customer_cancellation_reason", 100),
        "customer_cancellation_comment": _text(data, "customer_cancellation_comment"),
        "metadata": data.get("metadata") if isinstance(data.get("metadata"), dict) else {},
        "custom_field_data": data.get("custom_field_data") if isinstance(data.get("custom_field_data"), dict) else {},
    }


@dataclass(frozen=True)
class UpsertResult:
    """The object as stored, and the user it belongs to by this state (applied or older): the event is theirs.

    `created` and `changes` (the user-facing fields that moved, old and new) say what the upsert did; the
    nightly reconciliation logs them.
    """

    object: Any
    user_id: uuid.UUID | None
    created: bool = False
    changes: dict[str, list[Any]] = field(default_factory=dict)


def _audit_value(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int) else str(value)


def _audit_subscription(subscription: Subscription, changes: dict[str, list[Any]], *, user_id, source: str) -> None:
    if user_id is None or not changes:
        return
    audit_log(
        action="billing.subscription_changed",
        user_id=user_id,
        details={
            "subscription_id": subscription.id,
            "changes": {name: [_audit_value(old), _audit_value(new)] for name, (old, new) in changes.items()},
            "source": source,
        },
    )
    user_data_changed(user_id)  # the dashboard shows the plan


def subscription_upsert_from_polar(
    *, data: dict[str, Any], source: str = "webhook", user: Any = FROM_PAYLOAD
) -> UpsertResult:
    """Create or update the subscription Polar describes in `data`, under a row lock; older states are skipped.

    `user` defaults to the user named by `data.customer.external_id`; `sync_subscriptions` passes the user it
    asked Polar about.
    """
    polar_id = _object_id(data)
    fields = _subscription_fields(data)
    incoming = fields["modified_at"] or fields["created_at"]
    now = timezone.now()
    user_id = _given_user_id(user)
    # No savepoint when nested (in the webhook's transaction): any error here fails the whole event anyway.
    with transaction.atomic(savepoint=False):
        subscription = locked_by_pk(Subscription, polar_id)
        if subscription is None:
            if user_id is FROM_PAYLOAD:
                user_id = _resolve_user(data, kind="subscription")
            subscription = Subscription(id=polar_id, user_id=user_id, synced_at=now, **fields)
            subscription.full_clean(exclude=["user"], validate_unique=False)
            if insert_if_absent(subscription):
                changes = {"status": [None, subscription.status]}
                _audit_subscription(subscription, changes, user_id=subscription.user_id, source=source)
                return UpsertResult(subscription, user_id, created=True, changes=changes)
            # Another delivery inserted it first: lock theirs and compare like any update.
            subscription = locked_by_pk(Subscription, polar_id)
        if _is_stale(
            incoming=incoming,
            stored=subscription.version_at,
            stored_status=subscription.status,
            incoming_status=fields["status"],
        ):
            logger.info(
                "Skipped an older state of Polar subscription %s",
                polar_id,
                extra={"polar_id": polar_id, "incoming_at": incoming.isoformat(), "source": source},
            )
            if user_id is FROM_PAYLOAD:
                user_id = _named_user_id(data, linked_user_id=subscription.user_id)
            return UpsertResult(subscription, user_id)
        if user_id is FROM_PAYLOAD:
            user_id = _resolve_user(data, kind="subscription", linked_user_id=subscription.user_id)
        before = {name: getattr(subscription, name) for name in USER_FACING_SUBSCRIPTION_FIELDS}
        updated = ["synced_at"]
        for name, value in fields.items():
            if getattr(subscription, name) != value:
                setattr(subscription, name, value)
                updated.append(name)
        if subscription.user_id != user_id:
            subscription.user_id = user_id
            updated.append("user")
        subscription.synced_at = now
        subscription.full_clean(exclude=["user"], validate_unique=False)
        # Only what changed: a webhook burst is CPU-bound, and most events change a few of ~30 columns.
        subscription.save(update_fields=updated)
        changes = {
            name: [before[name], getattr(subscription, name)]
            for name in USER_FACING_SUBSCRIPTION_FIELDS
            if before[name] != getattr(subscription, name)
        }
        if changes and subscription.user_id:
            _audit_subscription(subscription, changes, user_id=subscription.user_id, source=source)
        return UpsertResult(subscription, user_id, changes=changes)


# --- Orders --------------------------------------------------------------------------------------------


def _order_fields(data: dict[str, Any]) -> dict[str, Any]:
    product = _nested(data, "product")
    return {
        "created_at": _datetime(data, "created_at", required=True),
        "modified_at": _datetime(data, "modified_at"),
        "status": _text(data, "status", 32) or "pending",
        "paid": bool(data.get("paid")),
        "billing_reason": _text(data, "billing_reason", 40),
        "subtotal_amount": _int(data, "subtotal_amount"),
        "discount_amount": _int(data, "discount_amount"),
        "tax_amount": _int(data, "tax_amount"),
        "total_amount": _int(data, "total_amount"),
        "refunded_amount": _int(data, "refunded_amount"),
        "currency": (_text(data, "currency") or "usd").upper(),
        "customer_id": _text(data, "customer_id") or _text(_nested(data, "customer"), "id"),
        "product_id": _text(data, "product_id") or _text(product, "id"),
        "product_name": _text(product, "name", 200),
        "invoice_number": _text(data, "invoice_number", 64),
        "checkout_id": _text(data, "checkout_id"),
        "subscription_id": _text(data, "subscription_id"),
    }


def order_upsert_from_polar(*, data: dict[str, Any], source: str = "webhook", user: Any = FROM_PAYLOAD) -> UpsertResult:
    """Create or update one order of the billing history; an older state never overwrites a newer one."""
    polar_id = _object_id(data)
    fields = _order_fields(data)
    incoming = fields["modified_at"] or fields["created_at"]
    now = timezone.now()
    user_id = _given_user_id(user)
    with transaction.atomic(savepoint=False):
        order = locked_by_pk(Order, polar_id)
        if order is not None and incoming < order.version_at:
            if user_id is FROM_PAYLOAD:
                user_id = _order_user_id(data, fields, linked_user_id=order.user_id)
            return UpsertResult(order, user_id)
        if user_id is FROM_PAYLOAD:
            user_id = _order_user_id(data, fields, linked_user_id=order.user_id if order else None)
            if user_id is None:
                _warn_unlinked("order", data)
        if order is None:
            order = Order(id=polar_id, user_id=user_id, synced_at=now, **fields)
            order.full_clean(exclude=["user"], validate_unique=False)
            if insert_if_absent(order):
                return UpsertResult(order, user_id)
            order = locked_by_pk(Order, polar_id)
            if incoming < order.version_at:
                return UpsertResult(order, user_id)
        for name, value in fields.items():
            setattr(order, name, value)
        order.user_id = user_id
        order.synced_at = now
        order.full_clean(exclude=["user"], validate_unique=False)
        order.save()
        return UpsertResult(order, user_id)


def _order_user_id(data: dict[str, Any], fields: dict[str, Any], *, linked_user_id) -> uuid.UUID | None:
    """The user an order belongs to: its customer's, else its subscription's; with neither, the one linked."""
    customer = data.get("customer")
    user_id = None
    if isinstance(customer, dict):
        user_id = _user_id_if_exists(customer.get("external_id"), linked_user_id=linked_user_id)
    if user_id is None and fields["subscription_id"]:
        # An order names its subscription: it belongs to whoever that subscription belongs to.
        user_id = Subscription.objects.filter(pk=fields["subscription_id"]).values_list("user_id", flat=True).first()
    if user_id is None and not isinstance(customer, dict):
        return linked_user_id
    return user_id


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
    return _as_user_id(customer.get("external_id")) if isinstance(customer, dict) else None


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
            named = _user_id_if_exists(named)
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
            user=_user_id_if_exists(user_id),
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


# --- Checkout, portal, sync -------------------------------------------------------------------------------


def checkout_start(*, user: User, plan: Plan, request: HttpRequest | None = None) -> str:
    """A Polar checkout for this user and plan; the URL to send them to. PolarError when Polar refuses."""
    client = polar.get_client()
    checkout = client.checkout_create(
        product_id=plan.polar_product_id,
        external_customer_id=str(user.pk),
        customer_email=user.email,
        customer_name=user.name,
        success_url=f"{settings.APP_URL}/success?checkout_id={{CHECKOUT_ID}}",
    )
    audit_log(
        action="billing.checkout_started",
        user=user,
        request=request,
        details={"plan": plan.slug, "checkout_id": str(checkout.get("id", ""))},
    )
    return checkout["url"]


def portal_session_create(*, user: User, return_url: str | None = None, request: HttpRequest | None = None) -> str:
    """A customer portal session for this user; the URL to send them to. PolarError when Polar refuses."""
    client = polar.get_client()
    session = client.customer_session_create(external_customer_id=str(user.pk), return_url=return_url)
    audit_log(action="billing.portal_opened", user=user, request=request, details={})
    return session["customer_portal_url"]


def subscriptions_sync_for_user(*, user: User, client: polar.PolarClient | None = None) -> int:
    """Pull the user's subscriptions from Polar and apply them like webhooks would; how many Polar listed."""
    client = client or polar.get_client()
    count = 0
    for item in client.subscriptions_list(external_customer_id=str(user.pk)):
        subscription_upsert_from_polar(data=item, source="sync", user=user)
        count += 1
    return count


@dataclass
class PlanSyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _plan_fields_from_product(product: dict[str, Any]) -> dict[str, Any]:
    metadata = product.get("metadata") if isinstance(product.get("metadata"), dict) else {}
    name = _text(product, "name", 100).strip() or "Plan"
    slug = slugify(str(metadata.get("slug") or "")) or slugify(name)
    prices = [price for price in product.get("prices") or [] if isinstance(price, dict)]
    first = prices[0] if prices else {}
    amount = first.get("price_amount") if first.get("amount_type", "fixed") == "fixed" else 0
    interval = product.get("recurring_interval") or first.get("recurring_interval") or Plan.Interval.MONTH
    features = [
        str(benefit.get("description"))[:200]
        for benefit in product.get("benefits") or []
        if isinstance(benefit, dict) and benefit.get("description")
    ]
    fields = {
        "slug": slug[:50],
        "name": name,
        "description": _text(product, "description"),
        "price_amount": amount if isinstance(amount, int) and amount >= 0 else 0,
        "currency": (_text(first, "price_currency") or "usd").upper(),
        "interval": interval if interval in Plan.Interval.values else Plan.Interval.MONTH,
        "is_active": not product.get("is_archived", False),
    }
    if features:
        fields["features"] = features
    if "max_bank_accounts" in metadata:
        raw = str(metadata["max_bank_accounts"]).strip()
        fields["max_bank_accounts"] = int(raw) if raw.isdigit() else None
    return fields


def plans_sync_from_polar(*, products: list[dict[str, Any]]) -> PlanSyncResult:
    """Plans from Polar's recurring products (slug from metadata `slug`, else the slugified name).

    Matched by product id, else by slug (so a demo plan is taken over by the real product); active plans
    whose product Polar no longer lists are deactivated. Running it twice changes nothing.
    """
    result = PlanSyncResult()
    seen: set[str] = set()
    with transaction.atomic():
        for product in products:
            product_id = _text(product, "id")
            if not product_id or product.get("is_recurring") is False:
                result.skipped.append(_text(product, "name") or product_id or "?")
                continue
            seen.add(product_id)
            fields = _plan_fields_from_product(product)
            plan = (
                Plan.objects.select_for_update().filter(polar_product_id=product_id).first()
                or Plan.objects.select_for_update().filter(slug=fields["slug"]).first()
            )
            if plan is None:
                plan = Plan(polar_product_id=product_id, sort_order=Plan.objects.count(), **fields)
                plan.full_clean()
                plan.save()
                result.created.append(plan.slug)
                continue
            changed = plan.polar_product_id != product_id or any(
                getattr(plan, name) != value for name, value in fields.items()
            )
            if changed:
                plan.polar_product_id = product_id
                for name, value in fields.items():
                    setattr(plan, name, value)
                plan.full_clean()
                plan.save()
                result.updated.append(plan.slug)
        for plan in Plan.objects.select_for_update().filter(is_active=True).exclude(polar_product_id__in=seen):
            plan.is_active = False
            plan.save(update_fields=["is_active", "updated_at"])
            result.deactivated.append(plan.slug)
    return result


# --- Demo data ------------------------------------------------------------------------------------------

DEMO_PLANS = (
    {
        "slug": "plus",
        "name": "Plus",
        "description": "For one household: a few accounts and every budget you need.",
        "price_amount": 400,
        "interval": Plan.Interval.MONTH,
        "max_bank_accounts": 3,
        "features": ["Up to 3 bank accounts", "Unlimited budgets", "Spending insights", "E-mail support"],
    },
    {
        "slug": "pro",
        "name": "Pro",
        "description": "Every account you have, with full history and priority support.",
        "price_amount": 900,
        "interval": Plan.Interval.MONTH,
        "max_bank_accounts": None,
        "features": ["Unlimited bank accounts", "Unlimited budgets", "Spending insights", "Priority support"],
    },
    {
        "slug": "pro-yearly",
        "name": "Pro, yearly",
        "description": "Everything in Pro, two months free.",
        "price_amount": 9000,
        "interval": Plan.Interval.YEAR,
        "max_bank_accounts": None,
        "features": ["Everything in Pro", "Two months free", "One invoice a year"],
    },
)


def demo_plans_ensure() -> None:
    """Demo plans for local use (`seed_demo`) when there are none; `sync_polar_products` replaces them."""
    with transaction.atomic():
        if Plan.objects.exists():
            return
        for position, spec in enumerate(DEMO_PLANS):
            plan = Plan(
                polar_product_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerly-demo-plan:{spec['slug']}")),
                currency="USD",
                sort_order=position,
                **spec,
            )
            plan.full_clean()
            plan.save()


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


@dataclass
class ReconcileResult:
    checked: int = 0
    created: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _reconcile_one(data: dict[str, Any], result: ReconcileResult) -> None:
    polar_id = str(data.get("id", "?"))
    try:
        upsert = subscription_upsert_from_polar(data=data, source="reconcile")
    except PolarPayloadError as error:
        result.failed[polar_id] = str(error)
        return
    result.checked += 1
    if upsert.created:
        result.created.append(polar_id)
    if upsert.changes:
        result.changed[polar_id] = {name: [_audit_value(a), _audit_value(b)] for name, (a, b) in upsert.changes.items()}
    if upsert.created or upsert.changes:
        logger.warning(
            "Reconciliation repaired Polar subscription %s",
            polar_id,
            extra={"polar_id": polar_id, "was_missing": upsert.created, "changes": result.changed.get(polar_id, {})},
        )


def subscriptions_reconcile(*, client: polar.PolarClient | None = None) -> ReconcileResult:
    """Compare every subscription with Polar and apply Polar's state where ours is behind (a missed event).

    Polar's active subscriptions are applied (a missed creation or change), then each subscription we hold
    as entitled that Polar did not list as active is fetched and applied (a missed cancellation or
    revocation). The upsert never lets an older state win, so running it twice changes nothing.
    """
    client = client or polar.get_client()
    result = ReconcileResult()
    seen: set[str] = set()
    for item in client.subscriptions_list_all(active=True):
        seen.add(str(item.get("id")))
        _reconcile_one(item, result)
    entitled = (
        Subscription.objects.filter(status__in=Subscription.ENTITLED_STATUSES)
        .exclude(id__startswith=DEMO_SUBSCRIPTION_PREFIX)  # seed_demo's: Polar never heard of them
        .values_list("id", flat=True)
    )
    for subscription_id in entitled.iterator():
        if subscription_id in seen:
            continue
        try:
            _reconcile_one(client.subscription_get(subscription_id=subscription_id), result)
        except polar.PolarError as error:
            result.failed[subscription_id] = error.message
    logger.info(
        "Reconciled %s subscription(s) with Polar: %s created, %s changed, %s failed",
        result.checked,
        len(result.created),
        len(result.changed),
        len(result.failed),
        extra={"checked": result.checked, "repaired": len(result.created) + len(result.changed)},
    )
    return result
