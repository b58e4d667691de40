"""Subscriptions mirrored from Polar: the upsert the webhook, `sync_subscriptions` and the nightly
reconciliation all apply (by Polar's id, under a row lock; an older state never overwrites a newer one)."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from billing import polar
from billing.models import DEMO_SUBSCRIPTION_PREFIX, Subscription
from billing.services.polar_data import (
    FROM_PAYLOAD,
    USER_FACING_SUBSCRIPTION_FIELDS,
    PolarPayloadError,
    UpsertResult,
    datetime_of,
    given_user_id,
    int_of,
    is_stale,
    named_user_id,
    nested,
    object_id_of,
    resolve_user,
    text_of,
)
from saas.db import insert_if_absent, locked_by_pk, locked_conflicting_row

logger = logging.getLogger(__name__)


# --- Subscriptions -------------------------------------------------------------------------------------


def _subscription_fields(data: dict[str, Any]) -> dict[str, Any]:
    created_at = datetime_of(data, "created_at", required=True)
    status = text_of(data, "status")
    if status not in Subscription.Status.values:
        raise PolarPayloadError(f"`status` {status!r} is not a subscription status we know.")
    return {
        "created_at": created_at,
        "modified_at": datetime_of(data, "modified_at"),
        "amount": int_of(data, "amount"),
        "currency": (text_of(data, "currency") or "usd").upper(),
        "recurring_interval": text_of(data, "recurring_interval", 10),
        "status": status,
        "current_period_start": datetime_of(data, "current_period_start") or created_at,
        "current_period_end": datetime_of(data, "current_period_end"),
        "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
        "canceled_at": datetime_of(data, "canceled_at"),
        "started_at": datetime_of(data, "started_at"),
        "ends_at": datetime_of(data, "ends_at"),
        "ended_at": datetime_of(data, "ended_at"),
        "customer_id": text_of(data, "customer_id") or text_of(nested(data, "customer"), "id"),
        "product_id": text_of(data, "product_id") or text_of(nested(data, "product"), "id"),
        "discount_id": text_of(data, "discount_id"),
        "checkout_id": text_of(data, "checkout_id"),
        "customer_cancellation_reason": text_of(data, "customer_cancellation_reason", 100),
        "customer_cancellation_comment": text_of(data, "customer_cancellation_comment"),
        "metadata": data.get("metadata") if isinstance(data.get("metadata"), dict) else {},
        "custom_field_data": data.get("custom_field_data") if isinstance(data.get("custom_field_data"), dict) else {},
    }


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
    polar_id = object_id_of(data)
    fields = _subscription_fields(data)
    incoming = fields["modified_at"] or fields["created_at"]
    now = timezone.now()
    user_id = given_user_id(user)
    # No savepoint when nested (in the webhook's transaction): any error here fails the whole event anyway.
    with transaction.atomic(savepoint=False):
        subscription = locked_by_pk(Subscription, polar_id)
        if subscription is None:
            if user_id is FROM_PAYLOAD:
                user_id = resolve_user(data, kind="subscription")
            subscription = Subscription(id=polar_id, user_id=user_id, synced_at=now, **fields)
            subscription.full_clean(exclude=["user"], validate_unique=False)
            if insert_if_absent(subscription):
                changes = {"status": [None, subscription.status]}
                _audit_subscription(subscription, changes, user_id=subscription.user_id, source=source)
                return UpsertResult(subscription, user_id, created=True, changes=changes)
            # Another delivery inserted it first: lock theirs and compare like any update.
            subscription = locked_conflicting_row(Subscription, polar_id)
        if is_stale(
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
                user_id = named_user_id(data, linked_user_id=subscription.user_id)
            return UpsertResult(subscription, user_id)
        if user_id is FROM_PAYLOAD:
            user_id = resolve_user(data, kind="subscription", linked_user_id=subscription.user_id)
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


def subscriptions_sync_for_user(*, user: User, client: polar.PolarClient | None = None) -> int:
    """Pull the user's subscriptions from Polar and apply them like webhooks would; how many Polar listed."""
    client = client or polar.get_client()
    count = 0
    for item in client.subscriptions_list(external_customer_id=str(user.pk)):
        subscription_upsert_from_polar(data=item, source="sync", user=user)
        count += 1
    return count


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
