"""Reads and entitlement checks for billing. Every "may this user ...?" question is answered here."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from billing.models import Order, Plan, Subscription


@dataclass(frozen=True)
class SubscriptionDetails:
    """The seed's `getSubscriptionDetails`: the active subscription, else the newest with an error type."""

    has_subscription: bool
    subscription: Subscription | None
    error_type: str | None  # None, "CANCELED", "EXPIRED" or "GENERAL"


def subscription_details(*, user) -> SubscriptionDetails:
    if not getattr(user, "is_authenticated", False):
        return SubscriptionDetails(False, None, None)
    subscriptions = list(Subscription.objects.filter(user=user).order_by("-created_at")[:20])
    if not subscriptions:
        return SubscriptionDetails(False, None, None)
    for subscription in subscriptions:
        if subscription.is_entitled:
            return SubscriptionDetails(True, subscription, None)
    latest = subscriptions[0]
    if latest.status == Subscription.Status.CANCELED:
        ended = latest.ended_at or latest.current_period_end
        error_type = "EXPIRED" if ended is not None and ended <= timezone.now() else "CANCELED"
    else:
        error_type = "GENERAL"
    return SubscriptionDetails(False, latest, error_type)


def user_active_subscription(*, user) -> Subscription | None:
    details = subscription_details(user=user)
    return details.subscription if details.has_subscription else None


def user_is_subscribed(*, user) -> bool:
    """Subscribed: a linked subscription that is `active` or `trialing` (cancel-at-period-end included)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Subscription.objects.filter(user=user, status__in=Subscription.ENTITLED_STATUSES).exists()


def user_has_product_access(*, user, product_id: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Subscription.objects.filter(
        user=user, product_id=product_id, status__in=Subscription.ENTITLED_STATUSES
    ).exists()


def user_plan(*, user) -> Plan | None:
    """The plan the user's active subscription is for, or None on the free plan."""
    subscription = user_active_subscription(user=user)
    if subscription is None:
        return None
    return plan_for_product(product_id=subscription.product_id)


def bank_account_limit(*, user) -> int | None:
    """How many bank accounts the user may link: None means no limit."""
    subscription = user_active_subscription(user=user)
    if subscription is None:
        return settings.FREE_MAX_BANK_ACCOUNTS
    plan = plan_for_product(product_id=subscription.product_id)
    return plan.max_bank_accounts if plan is not None else None


def active_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True).order_by("sort_order", "price_amount")


def plan_for_product(*, product_id: str) -> Plan | None:
    return Plan.objects.filter(polar_product_id=product_id).first()


def plan_by_slug(*, slug: str) -> Plan | None:
    """An active plan that can be bought, by its slug."""
    return Plan.objects.filter(slug=slug, is_active=True).first()


def subscription_for_checkout(*, user, checkout_id: str) -> Subscription | None:
    """The user's subscription created by this checkout, once its webhook has arrived."""
    if not checkout_id:
        return None
    return Subscription.objects.filter(user=user, checkout_id=checkout_id).order_by("-created_at").first()


def user_orders(*, user) -> QuerySet[Order]:
    """The user's billing history, newest first."""
    return Order.objects.filter(user=user).order_by("-created_at", "-id")


# --- Data export (accounts' "Your data" page streams these) -----------------------------------------

SUBSCRIPTION_EXPORT_FIELDS = (
    "id",
    "status",
    "product_id",
    "amount",
    "currency",
    "recurring_interval",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "canceled_at",
    "started_at",
    "ends_at",
    "ended_at",
    "customer_cancellation_reason",
    "customer_cancellation_comment",
    "created_at",
    "modified_at",
)
ORDER_EXPORT_FIELDS = (
    "id",
    "status",
    "paid",
    "billing_reason",
    "product_id",
    "product_name",
    "subscription_id",
    "subtotal_amount",
    "discount_amount",
    "tax_amount",
    "total_amount",
    "refunded_amount",
    "currency",
    "invoice_number",
    "created_at",
    "modified_at",
)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime | date) else value for key, value in row.items()}


def _stream(queryset: QuerySet, fields: tuple[str, ...], chunk_size: int) -> Iterator[dict[str, Any]]:
    for row in queryset.values(*fields).iterator(chunk_size=chunk_size):
        yield _jsonable(row)


def export_sections(*, user, chunk_size: int = 500) -> Iterable[tuple[str, Iterable[dict[str, Any]]]]:
    """The user's billing data for a data export: `(section_name, rows)`, rows lazy and JSON-serialisable."""
    return [
        (
            "subscriptions",
            _stream(
                Subscription.objects.filter(user=user).order_by("created_at", "id"),
                SUBSCRIPTION_EXPORT_FIELDS,
                chunk_size,
            ),
        ),
        (
            "orders",
            _stream(Order.objects.filter(user=user).order_by("created_at", "id"), ORDER_EXPORT_FIELDS, chunk_size),
        ),
    ]
