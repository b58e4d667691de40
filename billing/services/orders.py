"""Orders mirrored from Polar: the billing history."""

import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import Order, Subscription
from billing.services.polar_data import (
    FROM_PAYLOAD,
    UpsertResult,
    datetime_of,
    given_user_id,
    int_of,
    nested,
    object_id_of,
    text_of,
    user_id_if_exists,
    warn_unlinked,
)
from saas.db import insert_if_absent, locked_by_pk, locked_conflicting_row

logger = logging.getLogger(__name__)


# --- Orders --------------------------------------------------------------------------------------------


def _order_fields(data: dict[str, Any]) -> dict[str, Any]:
    product = nested(data, "product")
    return {
        "created_at": datetime_of(data, "created_at", required=True),
        "modified_at": datetime_of(data, "modified_at"),
        "status": text_of(data, "status", 32) or "pending",
        "paid": bool(data.get("paid")),
        "billing_reason": text_of(data, "billing_reason", 40),
        "subtotal_amount": int_of(data, "subtotal_amount"),
        "discount_amount": int_of(data, "discount_amount"),
        "tax_amount": int_of(data, "tax_amount"),
        "total_amount": int_of(data, "total_amount"),
        "refunded_amount": int_of(data, "refunded_amount"),
        "currency": (text_of(data, "currency") or "usd").upper(),
        "customer_id": text_of(data, "customer_id") or text_of(nested(data, "customer"), "id"),
        "product_id": text_of(data, "product_id") or text_of(product, "id"),
        "product_name": text_of(product, "name", 200),
        "invoice_number": text_of(data, "invoice_number", 64),
        "checkout_id": text_of(data, "checkout_id"),
        "subscription_id": text_of(data, "subscription_id"),
    }


def order_upsert_from_polar(*, data: dict[str, Any], source: str = "webhook", user: Any = FROM_PAYLOAD) -> UpsertResult:
    """Create or update one order of the billing history; an older state never overwrites a newer one."""
    polar_id = object_id_of(data)
    fields = _order_fields(data)
    incoming = fields["modified_at"] or fields["created_at"]
    now = timezone.now()
    user_id = given_user_id(user)
    with transaction.atomic(savepoint=False):
        order = locked_by_pk(Order, polar_id)
        if order is not None and incoming < order.version_at:
            if user_id is FROM_PAYLOAD:
                user_id = _order_user_id(data, fields, linked_user_id=order.user_id)
            return UpsertResult(order, user_id)
        if user_id is FROM_PAYLOAD:
            user_id = _order_user_id(data, fields, linked_user_id=order.user_id if order else None)
            if user_id is None:
                warn_unlinked("order", data)
        if order is None:
            order = Order(id=polar_id, user_id=user_id, synced_at=now, **fields)
            order.full_clean(exclude=["user"], validate_unique=False)
            if insert_if_absent(order):
                return UpsertResult(order, user_id)
            order = locked_conflicting_row(Order, polar_id)
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
        user_id = user_id_if_exists(customer.get("external_id"), linked_user_id=linked_user_id)
    if user_id is None and fields["subscription_id"]:
        # An order names its subscription: it belongs to whoever that subscription belongs to.
        user_id = Subscription.objects.filter(pk=fields["subscription_id"]).values_list("user_id", flat=True).first()
    if user_id is None and not isinstance(customer, dict):
        return linked_user_id
    return user_id
