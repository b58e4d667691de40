"""Budget pages: the list with progress, and adding, editing and removing budgets.

Views stay thin: forms parse, services write, selectors read; every budget comes through
`get_budget_for_user`, so another user's id is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services
from banking.charts import budget_history_chart
from banking.forms import (
    BudgetForm,
    apply_service_errors,
)
from banking.money import to_decimal_string

HISTORY_PERIODS = 12


@require_http_methods(["GET", "HEAD"])
def budget_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    budgets = selectors.budget_list(user=request.user)
    selectors.attach_category_names(budgets, user=request.user)
    progress = selectors.budget_progress(user=request.user, budgets=budgets, history=HISTORY_PERIODS)
    charts = [budget_history_chart(p.history) for p in progress]
    return render(
        request,
        "banking/budget_list.html",
        {
            "progress": list(zip(progress, charts, strict=True)),
            "totals": selectors.budget_totals(progress),
            "history_periods": HISTORY_PERIODS,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def budget_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {}
    totals = selectors.totals_by_currency(selectors.bank_account_list(user=request.user))
    if totals:
        initial["currency"] = totals[0].currency
    form = BudgetForm(request.POST or None, initial=initial, categories=selectors.user_categories(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_create(user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Budget created.")
            return redirect("banking:budget_list")
    return render(
        request,
        "banking/budget_form.html",
        {"form": form, "title": "New budget", "submit": "Create budget"},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def budget_edit(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    budget = selectors.get_budget_for_user(user=request.user, budget_id=id)
    initial = {
        "name": budget.name,
        "category": budget.category,
        "amount": to_decimal_string(budget.amount, budget.currency),
        "currency": budget.currency,
        "period": budget.period,
        "start_date": budget.start_date,
        "end_date": budget.end_date,
        "period_start_day": budget.period_start_day,
        "rollover": budget.rollover,
        "is_active": budget.is_active,
    }
    form = BudgetForm(request.POST or None, initial=initial, categories=selectors.user_categories(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_update(user=request.user, budget=budget, changes=form.cleaned_data, request=request)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Budget saved.")
            return redirect("banking:budget_list")
    return render(
        request,
        "banking/budget_form.html",
        {"form": form, "budget": budget, "title": f"Edit “{budget.name}”", "submit": "Save changes"},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def budget_delete(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    budget = selectors.get_budget_for_user(user=request.user, budget_id=id)
    if request.method == "POST":
        services.budget_delete(user=request.user, budget=budget, request=request)
        messages.success(request, f"Budget “{budget.name}” removed.")
        return redirect("banking:budget_list")
    return render(
        request,
        "banking/confirm_delete.html",
        {
            "title": f"Remove the budget “{budget.name}”?",
            "message": "Your transactions stay as they are; only the budget goes.",
            "confirm_label": "Remove budget",
            "cancel_url": reverse("banking:budget_edit", args=[budget.pk]),
        },
    )
