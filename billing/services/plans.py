"""Plans from Polar's products, the demo plans, and the checkout and portal sessions that sell them."""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify

from accounts.audit import audit_log
from accounts.models import User
from billing import polar
from billing.models import Plan
from billing.services.polar_data import (
    text_of,
)

logger = logging.getLogger(__name__)


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


@dataclass
class PlanSyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _plan_fields_from_product(product: dict[str, Any]) -> dict[str, Any]:
    metadata = product.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    name = text_of(product, "name", 100).strip() or "Plan"
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
    fields: dict[str, Any] = {
        "slug": slug[:50],
        "name": name,
        "description": text_of(product, "description"),
        "price_amount": amount if isinstance(amount, int) and amount >= 0 else 0,
        "currency": (text_of(first, "price_currency") or "usd").upper(),
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
            product_id = text_of(product, "id")
            if not product_id or product.get("is_recurring") is False:
                result.skipped.append(text_of(product, "name") or product_id or "?")
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
