"""The insights page: for subscribers, their numbers, cached as HTML under the user's data version; for
everyone else, what the page shows and how to subscribe."""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from banking import insights_charts
from banking.forms_insights import InsightsForm
from banking.selectors.bank_accounts import bank_account_list
from banking.selectors.insights import insights_currencies, insights_page
from billing.selectors import subscription_details, user_is_subscribed

INSIGHTS_CACHE_SECONDS = 600


@require_http_methods(["GET", "HEAD"])
def insights(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Subscription first, on every request: the cached HTML is only ever served to a subscriber.
    user = request.user
    if not user_is_subscribed(user=user):
        return render(
            request,
            "banking/insights.html",
            {
                "upsell": True,
                "details": subscription_details(user=user),
                "sample_chart": insights_charts.sample_spending(),
            },
        )
    today = timezone.localdate()
    # Whether anything was asked at all belongs in the key too: the body offers "Last 12 months" then.
    asked = "|".join([str(bool(request.GET)), *(request.GET.get(name, "") for name in ("from", "to", "currency"))])
    key = (
        f"insights:{user.pk}:{user.data_version}:{today.isoformat()}:{hashlib.sha256(asked.encode()).hexdigest()[:32]}"
    )
    body = cache.get(key)
    if body is None:
        accounts = bank_account_list(user=user)
        form = InsightsForm(request.GET, currencies=insights_currencies(accounts), today=today)
        if not form.is_valid():
            return render(request, "banking/insights.html", {"form": form, "body": None}, status=400)
        body = _render_body(request, form=form, accounts=accounts)
        cache.set(key, body, INSIGHTS_CACHE_SECONDS)
    return render(request, "banking/insights.html", {"body": mark_safe(body)})  # noqa: S308 - our own HTML


def _render_body(request: AuthenticatedHttpRequest, *, form: InsightsForm, accounts) -> str:
    data = form.cleaned_data
    page = insights_page(user=request.user, period=data["period"], currency=data.get("currency"), accounts=accounts)
    # The picker shows what the page shows: the range and the currency, chosen or not.
    shown = {"from": page.period.start.isoformat(), "to": page.period.end.isoformat(), "currency": page.currency}
    form = InsightsForm(shown, currencies=page.currencies, today=form.today)
    form.is_valid()
    return render_to_string(
        "banking/includes/insights_body.html",
        {
            "form": form,
            "page": page,
            "currency": page.currency,
            "spending_chart": insights_charts.stacked_months(page.months, page.categories),
            "cashflow_chart": insights_charts.cashflow_bars(page.cashflow),
            "worth_chart": insights_charts.net_worth_line(page.net_worth),
            "merchant_max": max((m.amount for m in page.merchants), default=0),
        },
        request=request,
    )
