"""Polar-shaped webhook events for a user, signed like Polar signs them.

Used by `polar_trigger` (try billing locally without Polar), the test suite and bench/. The shapes follow
the sample events in Polar's wire format (tests/billing/fixtures/); a test keeps them in step.
"""

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.webhooks import sign

DEMO_ORGANIZATION_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
DEFAULT_PRODUCT = {
    "id": "b2f0c7a4-93d1-4e6b-8f2a-1c3d5e7f9a0b",
    "name": "Pro",
    "description": "Unlimited bank accounts, budgets and imports",
    "slug": "pro",
    "price_amount": 1900,
    "currency": "usd",
    "interval": "month",
}
PERIOD = {
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value is not None else None


def _product(plan) -> dict[str, Any]:
    if plan is None:
        return dict(DEFAULT_PRODUCT)
    return {
        "id": plan.polar_product_id,
        "name": plan.name,
        "description": plan.description,
        "slug": plan.slug,
        "price_amount": plan.price_amount,
        "currency": plan.currency.lower(),
        "interval": plan.interval,
    }


def customer_id_for(user) -> str:
    """A stable Polar-like customer id for one of our users."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerly-polar-customer:{user.pk}"))


def _customer(user, at: datetime) -> dict[str, Any]:
    return {
        "id": customer_id_for(user),
        "created_at": _iso(at - timedelta(minutes=1)),
        "modified_at": None,
        "metadata": {},
        "external_id": str(user.pk),
        "email": user.email,
        "email_verified": True,
        "name": user.name or None,
        "billing_address": None,
        "tax_id": None,
        "organization_id": DEMO_ORGANIZATION_ID,
        "deleted_at": None,
        "avatar_url": None,
    }


def _product_object(product: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "id": product["id"],
        "created_at": _iso(at - timedelta(days=30)),
        "modified_at": None,
        "name": product["name"],
        "description": product["description"],
        "recurring_interval": product["interval"],
        "is_recurring": True,
        "is_archived": False,
        "organization_id": DEMO_ORGANIZATION_ID,
        "metadata": {"slug": product["slug"]},
        "prices": [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerly-price:{product['id']}")),
                "created_at": _iso(at - timedelta(days=30)),
                "modified_at": None,
                "amount_type": "fixed",
                "is_archived": False,
                "product_id": product["id"],
                "type": "recurring",
                "recurring_interval": product["interval"],
                "price_currency": product["currency"],
                "price_amount": product["price_amount"],
            }
        ],
        "benefits": [],
        "medias": [],
        "attached_custom_fields": [],
    }


def _subscription_state(event_type: str, at: datetime, period_end: datetime) -> dict[str, Any]:
    state: dict[str, Any] = {
        "status": "active",
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ends_at": None,
        "ended_at": None,
    }
    if event_type == "subscription.created":
        state["status"] = "incomplete"
    elif event_type == "subscription.canceled":
        state.update(cancel_at_period_end=True, canceled_at=_iso(at), ends_at=_iso(period_end))
    elif event_type == "subscription.revoked":
        state.update(status="canceled", canceled_at=_iso(at), ends_at=_iso(at), ended_at=_iso(at))
    elif event_type == "subscription.past_due":
        state["status"] = "past_due"
    return state


def build_subscription(
    event_type: str,
    user,
    *,
    subscription_id: str | None = None,
    plan=None,
    at: datetime | None = None,
    started_at: datetime | None = None,
    checkout_id: str | None = None,
) -> dict[str, Any]:
    """Polar's subscription object as `event_type` would carry it, modified at `at`."""
    at = at or datetime.now(tz=UTC)
    subscription_id = subscription_id or str(uuid.uuid4())
    started_at = started_at or at - timedelta(seconds=30)
    product = _product(plan)
    period_end = started_at + PERIOD.get(product["interval"], PERIOD["month"])
    return {
        "created_at": _iso(started_at),
        "modified_at": _iso(at),
        "id": subscription_id,
        "amount": product["price_amount"],
        "currency": product["currency"],
        "recurring_interval": product["interval"],
        "recurring_interval_count": 1,
        **_subscription_state(event_type, at, period_end),
        "current_period_start": _iso(started_at),
        "current_period_end": _iso(period_end),
        "trial_start": None,
        "trial_end": None,
        "started_at": _iso(started_at),
        "customer_id": customer_id_for(user),
        "product_id": product["id"],
        "discount_id": None,
        "checkout_id": checkout_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerly-checkout:{subscription_id}")),
        "customer_cancellation_reason": None,
        "customer_cancellation_comment": None,
        "metadata": {},
        "custom_field_data": {},
        "customer": _customer(user, at),
        "product": _product_object(product, at),
        "discount": None,
        "prices": [],
        "meters": [],
    }


def build_order(
    event_type: str,
    user,
    *,
    order_id: str | None = None,
    subscription_id: str | None = None,
    plan=None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Polar's order object as `event_type` would carry it."""
    at = at or datetime.now(tz=UTC)
    product = _product(plan)
    paid = event_type in {"order.paid", "order.updated", "order.refunded"}
    amount = product["price_amount"]
    order_id = order_id or str(uuid.uuid4())
    return {
        "id": order_id,
        "created_at": _iso(at - timedelta(seconds=28)),
        "modified_at": _iso(at),
        "status": "refunded" if event_type == "order.refunded" else "paid" if paid else "pending",
        "paid": paid,
        "subtotal_amount": amount,
        "discount_amount": 0,
        "net_amount": amount,
        "tax_amount": 0,
        "total_amount": amount,
        "refunded_amount": amount if event_type == "order.refunded" else 0,
        "refunded_tax_amount": 0,
        "currency": product["currency"],
        "billing_reason": "subscription_create",
        "billing_name": user.name or None,
        "billing_address": None,
        "invoice_number": f"POLAR-{order_id[:8].upper()}",
        "is_invoice_generated": False,
        "customer_id": customer_id_for(user),
        "product_id": product["id"],
        "discount_id": None,
        "subscription_id": subscription_id,
        "checkout_id": None,
        "metadata": {},
        "custom_field_data": {},
        "customer": {
            "id": customer_id_for(user),
            "external_id": str(user.pk),
            "email": user.email,
            "name": user.name or None,
            "metadata": {},
        },
        "product": {"id": product["id"], "name": product["name"], "metadata": {"slug": product["slug"]}},
        "items": [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerly-order-item:{order_id}")),
                "label": product["name"],
                "amount": amount,
                "tax_amount": 0,
                "proration": False,
                "product_price_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerly-price:{product['id']}")),
            }
        ],
    }


def build_event(
    event_type: str,
    user,
    *,
    subscription_id: str | None = None,
    order_id: str | None = None,
    plan=None,
    at: datetime | None = None,
    started_at: datetime | None = None,
    checkout_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A Polar webhook event `{"type", "timestamp", "data"}` for `user`; `overrides` replace keys of `data`.

    `subscription.*` and `order.*` carry the objects Polar sends (status and dates set for the type, modified
    at `at`, default now); any other type carries a minimal object with the customer.
    """
    at = at or datetime.now(tz=UTC)
    if event_type.startswith("subscription."):
        data = build_subscription(
            event_type,
            user,
            subscription_id=subscription_id,
            plan=plan,
            at=at,
            started_at=started_at,
            checkout_id=checkout_id,
        )
    elif event_type.startswith("order."):
        data = build_order(event_type, user, order_id=order_id, subscription_id=subscription_id, plan=plan, at=at)
    else:
        data = {
            "id": str(uuid.uuid4()),
            "created_at": _iso(at),
            "modified_at": _iso(at),
            "customer": _customer(user, at),
        }
    data.update(copy.deepcopy(overrides))
    return {"type": event_type, "timestamp": _iso(at), "data": data}


def sign_event(
    event: dict[str, Any], *, secret: str, webhook_id: str | None = None, timestamp: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers Polar would send for `event`."""
    body = json.dumps(event, separators=(",", ":")).encode()
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    return body, sign(body, secret=secret, msg_id=webhook_id, timestamp=timestamp)
