"""The alerts tab of Settings: which e-mails to get (budgets, low balances, bills due, large transactions)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services
from banking.forms import apply_service_errors
from banking.forms_rules import AlertSettingsForm


@require_http_methods(["GET", "HEAD", "POST"])
def alert_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = [a for a in selectors.bank_account_list(user=request.user) if not a.is_closed]
    currencies = sorted({a.currency for a in accounts}) or ["USD"]
    prefs = selectors.alert_settings_for(user=request.user)
    form = AlertSettingsForm(
        request.POST or None,
        initial=AlertSettingsForm.initial_for(prefs, accounts),
        accounts=accounts,
        currencies=currencies,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_settings_update(user=request.user, changes=form.cleaned_data["changes"], request=request)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Alert settings saved.")
            return redirect("banking:alert_settings")
    return render(
        request,
        "banking/alert_settings.html",
        {"form": form, "accounts": accounts, "currencies": currencies},
        status=400 if request.method == "POST" else 200,
    )
