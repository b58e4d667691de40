"""Billing pages: pricing, checkout, portal, success, the gated page and the billing tab. Thin: reads in
selectors, writes in services. The JSON API and Polar's webhook are in billing/api.py."""

import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Min, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from billing import polar, selectors, services

logger = logging.getLogger(__name__)

SETTINGS_BILLING_URL = "/dashboard/settings/billing"
SUCCESS_MAX_REFRESHES = 20
SUCCESS_REFRESH_SECONDS = 3
_CHECKOUT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _local_path(value: str | None) -> str | None:
    """`value` when it is a path on this site (not `//host`, no scheme), else None."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(char) < 32 for char in value):
        return None
    return value


def _back_url(request: HttpRequest, default: str) -> str:
    """Where to send the user back to: a local `next`, else the page they came from on this site."""
    explicit = _local_path(request.POST.get("next") or request.GET.get("next"))
    if explicit:
        return explicit
    referer = request.headers.get("Referer", "")
    origin = f"{request.scheme}://{request.get_host()}"
    if referer.startswith(origin + "/"):
        return _local_path(referer[len(origin) :]) or default
    return default


def _polar_failed(request: AuthenticatedHttpRequest, error: polar.PolarError, *, action: str) -> None:
    logger.warning(
        "Polar refused to %s",
        action,
        extra={"polar_status": error.status, "polar_message": error.polar_message, "error": error.message},
    )
    messages.error(
        request,
        f"We could not {action}: our payment provider did not answer as expected. Nothing was charged. "
        f"Please try again in a minute; if it keeps happening, contact support with request id {request.id}.",
    )


# --- Pages ------------------------------------------------------------------------------------------


@login_not_required
@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.active_plans())
    details = selectors.subscription_details(user=request.user)
    current = details.subscription if details.has_subscription else None
    current_plan = next((plan for plan in plans if current and plan.polar_product_id == current.product_id), None)
    return render(
        request,
        "billing/pricing.html",
        {
            "plans": plans,
            "current": current,
            "current_plan": current_plan,
            "free_max_bank_accounts": settings.FREE_MAX_BANK_ACCOUNTS,
        },
    )


@require_POST
def checkout(request: AuthenticatedHttpRequest) -> HttpResponse:
    back = _back_url(request, "/pricing")
    slug = request.POST.get("plan", "").strip()
    plan = selectors.plan_by_slug(slug=slug) if slug else None
    if plan is None:
        messages.error(request, "Choose one of the plans on this page: that plan is not one we sell.")
        return _see_other(back)
    if selectors.user_is_subscribed(user=request.user):
        messages.info(request, "You already have a subscription. Change or cancel it with “Manage subscription”.")
        return _see_other(back)
    if not polar.is_configured():
        messages.error(request, "Billing is not configured on this site yet, so plans cannot be bought right now.")
        return _see_other(back)
    try:
        url = services.checkout_start(user=request.user, plan=plan, request=request)
    except polar.PolarError as error:
        _polar_failed(request, error, action="start the checkout")
        return _see_other(back)
    return _see_other(url)


@require_POST
def portal(request: AuthenticatedHttpRequest) -> HttpResponse:
    back = _back_url(request, SETTINGS_BILLING_URL)
    if not polar.is_configured():
        messages.error(request, "Billing is not configured on this site yet, so there is no billing portal.")
        return _see_other(back)
    return_path = _local_path(request.POST.get("next")) or SETTINGS_BILLING_URL
    try:
        url = services.portal_session_create(
            user=request.user, return_url=f"{settings.APP_URL}{return_path}", request=request
        )
    except polar.PolarError as error:
        if error.status in (404, 422):
            logger.info("No Polar customer for this user yet", extra={"polar_status": error.status})
            messages.info(request, "You have no billing account yet: it is created when you subscribe to a plan.")
        else:
            _polar_failed(request, error, action="open the billing portal")
        return _see_other(back)
    return _see_other(url)


@require_GET
def success(request: AuthenticatedHttpRequest) -> HttpResponse:
    raw_checkout_id = request.GET.get("checkout_id", "")
    checkout_id = raw_checkout_id if _CHECKOUT_ID.match(raw_checkout_id) else ""
    try:
        attempt = max(0, min(int(request.GET.get("attempt", "0")), SUCCESS_MAX_REFRESHES))
    except ValueError:
        attempt = 0
    if checkout_id:
        subscription = selectors.subscription_for_checkout(user=request.user, checkout_id=checkout_id)
    else:
        subscription = selectors.user_active_subscription(user=request.user)
    ready = subscription is not None and subscription.is_entitled
    refresh_url = None
    if not ready and attempt < SUCCESS_MAX_REFRESHES:
        query = f"checkout_id={checkout_id}&" if checkout_id else ""
        refresh_url = f"/success?{query}attempt={attempt + 1}"
    return render(
        request,
        "billing/success.html",
        {
            "subscription": subscription,
            "plan": selectors.plan_for_product(product_id=subscription.product_id) if subscription else None,
            "ready": ready,
            "refresh_url": refresh_url,
            "refresh_seconds": SUCCESS_REFRESH_SECONDS,
            "gave_up": not ready and refresh_url is None,
        },
    )


@require_GET
def payment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The seed's gated page: the subscriber's plan at a glance; everyone else sees it blurred."""
    details = selectors.subscription_details(user=request.user)
    context: dict = {"details": details, "subscribed": details.has_subscription}
    subscription = details.subscription
    if details.has_subscription and subscription is not None:  # a subscription comes with has_subscription
        totals = selectors.user_orders(user=request.user).aggregate(
            paid=Sum("total_amount", filter=Q(paid=True)),
            refunded=Sum("refunded_amount"),
            first=Min("created_at"),
        )
        context.update(
            subscription=subscription,
            plan=selectors.plan_for_product(product_id=subscription.product_id),
            total_paid=(totals["paid"] or 0) - (totals["refunded"] or 0),
            customer_since=subscription.started_at or totals["first"] or subscription.created_at,
        )
    return render(request, "billing/payment.html", context)


@require_GET
def settings_billing(request: AuthenticatedHttpRequest) -> HttpResponse:
    details = selectors.subscription_details(user=request.user)
    subscription = details.subscription
    orders = Paginator(selectors.user_orders(user=request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/settings_billing.html",
        {
            "details": details,
            "subscription": subscription,
            "plan": selectors.plan_for_product(product_id=subscription.product_id) if subscription else None,
            "orders": orders,
        },
    )
