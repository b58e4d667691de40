"""Reads and entitlement checks for billing. Every "may this user ...?" question is answered here."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from billing.models import Plan, Subscription


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
    return Plan.objects.filter(polar_product_id=subscription.product_id).first()


def bank_account_limit(*, user) -> int | None:
    """How many bank accounts the user may link: None means no limit."""
    subscription = user_active_subscription(user=user)
    if subscription is None:
        return settings.FREE_MAX_BANK_ACCOUNTS
    plan = Plan.objects.filter(polar_product_id=subscription.product_id).first()
    return plan.max_bank_accounts if plan is not None else None


def active_plans():
    return Plan.objects.filter(is_active=True).order_by("sort_order", "price_amount")
