"""The audit actions billing writes: checkout, the customer portal, and subscription changes from Polar."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from accounts.audit import ACTIVITY, AuditAction
from billing.models import Plan


def _plan(details: dict[str, Any], names: Mapping[str, str]) -> str:
    slug = details.get("plan") or ""
    return names.get(f"plan:{slug}", slug)


def _subscription_changes(details: dict[str, Any], names: Mapping[str, str]) -> str:
    changes = details.get("changes") or {}
    parts = []
    product = (changes.get("product_id") or [None, None])[-1]
    if name := names.get(f"product:{product}"):
        parts.append(f"plan {name}")
    if "status" in changes and changes["status"][1]:
        parts.append(str(changes["status"][1]).replace("_", " "))
    if "cancel_at_period_end" in changes:
        before, after = changes["cancel_at_period_end"]
        if after:
            parts.append("set to cancel at the end of the period")
        elif before:
            parts.append("no longer set to cancel")
    return ", ".join(parts)


def plan_names(user_id: Any, events: list) -> dict[str, str]:
    """Plan names for the plans these events mention, by slug and by Polar product id; one query."""
    slugs, products = set(), set()
    for event in events:
        details = event.details or {}
        if event.action == "billing.checkout_started" and isinstance(details.get("plan"), str):
            slugs.add(details["plan"])
        elif event.action == "billing.subscription_changed":
            product = (details.get("changes") or {}).get("product_id")
            if isinstance(product, list) and len(product) == 2 and isinstance(product[1], str):
                products.add(product[1])
    if not slugs and not products:
        return {}
    names = {}
    for slug, product, name in Plan.objects.filter(Q(slug__in=slugs) | Q(polar_product_id__in=products)).values_list(
        "slug", "polar_product_id", "name"
    ):
        names[f"plan:{slug}"] = names[f"product:{product}"] = name
    return names


AUDIT_ACTIONS = {
    "billing.checkout_started": AuditAction("Started a checkout", ACTIVITY, _plan),
    "billing.portal_opened": AuditAction("Opened the billing portal", ACTIVITY),
    "billing.subscription_changed": AuditAction("Subscription changed", ACTIVITY, _subscription_changes),
}
