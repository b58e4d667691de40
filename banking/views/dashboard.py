"""The overview page, cached as HTML under the user's data version.

Views stay thin: forms parse, services write, selectors read.
"""

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from banking import charts, selectors
from billing.selectors import subscription_details, user_plan

DASHBOARD_CACHE_SECONDS = 600


@require_http_methods(["GET", "HEAD"])
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The overview is cached as HTML under the user's data version, which every write that changes what it
    # shows moves on in its own transaction (banking.signals, accounts.services.user_data_changed). The date is
    # in the key because "this month" and budget periods follow it; the short name because the greeting
    # shows it.
    user = request.user
    today = timezone.localdate()
    key = f"dashboard:{user.pk}:{user.data_version}:{today.isoformat()}:{user.get_short_name()}"
    overview = cache.get(key)
    if overview is None:
        overview = _render_overview(request, today=today)
        cache.set(key, overview, DASHBOARD_CACHE_SECONDS)
    return render(request, "dashboard/index.html", {"overview": mark_safe(overview)})  # noqa: S308 - our own HTML


def _render_overview(request: AuthenticatedHttpRequest, *, today) -> str:
    summary = selectors.dashboard_summary(user=request.user, today=today)
    details = subscription_details(user=request.user)
    bars = [{"currency": currency, **charts.bar_chart(spends)} for currency, spends in summary.spending.items()]
    return render_to_string(
        "dashboard/overview.html",
        {
            "user": request.user,
            "summary": summary,
            "charts": bars,
            "subscription": details,
            "plan": user_plan(user=request.user) if details.has_subscription else None,
        },
    )
