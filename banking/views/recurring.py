"""The recurring payments page: suggestions to confirm or dismiss, confirmed bills with their next date
(missed ones flagged), and a button that looks through the history again (a background task)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services, tasks
from banking.models import RecurringSeries
from saas.background import enqueue_on_commit


@require_http_methods(["GET", "HEAD"])
def recurring_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    grouped = selectors.recurring_list(user=request.user)
    today = timezone.localdate()
    return render(
        request,
        "banking/recurring_list.html",
        {
            "suggested": grouped[RecurringSeries.Status.SUGGESTED],
            "confirmed": [(s, s.is_missed(today)) for s in grouped[RecurringSeries.Status.CONFIRMED]],
            "dismissed": grouped[RecurringSeries.Status.DISMISSED],
            "upcoming": selectors.upcoming_payments(user=request.user, today=today),
        },
    )


@require_POST
def recurring_status(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    series = selectors.get_series_for_user(user=request.user, series_id=id)
    status = request.POST.get("status", "")
    if status not in (RecurringSeries.Status.CONFIRMED, RecurringSeries.Status.DISMISSED):
        messages.error(request, "Choose Confirm or Dismiss.")
        return redirect("banking:recurring_list")
    services.recurring_set_status(user=request.user, series=series, status=status, request=request)
    if status == RecurringSeries.Status.CONFIRMED:
        messages.success(request, f"{series.label} confirmed: it shows in Upcoming before it is due.")
    else:
        messages.success(request, f"{series.label} dismissed.")
    return redirect("banking:recurring_list")


@require_POST
def recurring_scan(request: AuthenticatedHttpRequest) -> HttpResponse:
    enqueue_on_commit(tasks.recurring_detect, user_id=str(request.user.pk))
    messages.success(request, "Looking through your history for recurring payments: reload this page in a moment.")
    return redirect("banking:recurring_list")
