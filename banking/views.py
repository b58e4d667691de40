"""Banking pages: the overview, accounts, verification, transactions, transfers and budgets.

Views stay thin: forms parse, services write, selectors read; every object comes through a
`get_*_for_user` selector, so another user's id is a 404.
"""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from banking import charts, selectors, services
from banking.forms import (
    BankAccountForm,
    BudgetForm,
    TransactionFilterForm,
    TransactionForm,
    TransferEditForm,
    TransferForm,
    VerifyForm,
    apply_service_errors,
)
from banking.models import BankAccount
from banking.money import to_decimal_string
from banking.pagination import InvalidCursor
from billing.selectors import subscription_details, user_plan

PAGE_SIZE = 50
REVEAL_SECONDS = 60


# --- overview -------------------------------------------------------------------------------------


DASHBOARD_CACHE_SECONDS = 600


@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
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


def _render_overview(request: HttpRequest, *, today) -> str:
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


# --- bank accounts --------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = selectors.bank_account_list(user=request.user)
    return render(
        request,
        "banking/account_list.html",
        {
            "accounts": accounts,
            "totals": selectors.totals_by_currency(accounts),
            "allowance": selectors.bank_account_allowance(user=request.user, count=len(accounts)),
        },
    )


def _upgrade_prompt(request: HttpRequest, allowance, *, status: int = 200) -> HttpResponse:
    return render(request, "banking/account_limit.html", {"allowance": allowance}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    allowance = selectors.bank_account_allowance(user=request.user)
    if allowance.reached:
        return _upgrade_prompt(request, allowance, status=402 if request.method == "POST" else 200)
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.bank_account_create(user=request.user, request=request, **form.cleaned_data)
        except services.BankAccountLimitReached:
            return _upgrade_prompt(request, selectors.bank_account_allowance(user=request.user), status=402)
        except services.DuplicateBankAccount as error:
            form.add_error("account_number", f"{error} Pick it from your accounts instead.")
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"We sent two small deposits to {account.display_name} ····{account.last4}. They are in its "
                f"transactions now: enter both amounts to verify the account.",
            )
            return redirect("banking:account_verify", id=account.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "banking/account_form.html", {"form": form, "allowance": allowance}, status=status)


def _account_detail(request: HttpRequest, account: BankAccount, **extra) -> HttpResponse:
    context = {
        "account": account,
        "verification": selectors.verification_for(account),
        "recent": selectors.recent_transactions(user=request.user, accounts=[account], bank_account=account, limit=10),
        "reveal_seconds": REVEAL_SECONDS,
        **extra,
    }
    return render(request, "banking/account_detail.html", context)


@require_http_methods(["GET", "HEAD"])
def account_detail(request: HttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    return _account_detail(request, account)


@reauthentication_required
def _reveal(request: HttpRequest, account: BankAccount) -> HttpResponse:
    number = services.bank_account_reveal_number(user=request.user, bank_account=account, request=request)
    return _account_detail(request, account, revealed_number=number)


@require_POST
@never_cache
def account_reveal(request: HttpRequest, id) -> HttpResponse:
    """The full number, after a fresh password (or second factor) check; the page hides it after a minute."""
    # Ownership first: someone else's id is a 404, not a re-authentication prompt.
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    return _reveal(request, account)


@require_http_methods(["GET", "HEAD", "POST"])
def account_verify(request: HttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    verification = selectors.verification_for(account)
    form = VerifyForm(request.POST or None, currency=account.currency)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.bank_account_verify(
                    user=request.user, bank_account=account, amounts=form.cleaned_data["amounts"], request=request
                )
            except services.VerificationError as error:
                form.add_error(None, error.message)
                account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
                verification = selectors.verification_for(account)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"{account.display_name} ····{account.last4} is verified and active.")
                return redirect("banking:account_detail", id=account.pk)
    return render(
        request,
        "banking/account_verify.html",
        {
            "account": account,
            "verification": verification,
            "form": form,
            "expired": verification is not None and verification.is_expired(),
        },
        status=status,
    )


@require_POST
def account_resend_deposits(request: HttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    try:
        services.bank_account_resend_deposits(user=request.user, bank_account=account, request=request)
    except services.VerificationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Two new deposits are on their way: they are in the account's transactions.")
    return redirect("banking:account_verify", id=account.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: HttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    if request.method == "POST":
        services.bank_account_delete(user=request.user, bank_account=account, request=request)
        messages.success(request, f"{account.display_name} ····{account.last4} was removed with its transactions.")
        return redirect("banking:account_list")
    count = selectors.account_transaction_counts(user=request.user).get(account.pk, 0)
    return render(
        request,
        "banking/confirm_delete.html",
        {
            "title": f"Remove {account.display_name} ····{account.last4}?",
            "message": f"This removes the account and its {count} transaction{'s' if count != 1 else ''} for "
            f"good. Transfers with your other accounts keep their half there.",
            "confirm_label": "Remove account",
            "cancel_url": reverse("banking:account_detail", args=[account.pk]),
        },
    )


# --- transactions ---------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def transaction_list(request: HttpRequest) -> HttpResponse:
    accounts = selectors.bank_account_list(user=request.user)
    filter_params = {k: v for k, v in request.GET.items() if k != "cursor"}
    form = TransactionFilterForm(filter_params or None, accounts=accounts)
    status = 200
    page = None
    filters = selectors.TransactionFilters()
    chosen = (form.filters() if form.is_valid() else None) if filter_params else filters
    if chosen is None:
        status = 400
    else:
        filters = chosen
        try:
            page = selectors.transaction_page(
                user=request.user, filters=filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
            )
        except InvalidCursor:
            messages.warning(request, "That page link has expired; here are your newest transactions.")
            page = selectors.transaction_page(user=request.user, filters=filters, limit=PAGE_SIZE)
        selectors.attach_accounts(page.items, accounts)
    return render(
        request,
        "banking/transaction_list.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "accounts": accounts,
            "has_active_account": any(a.is_active for a in accounts),
            "is_first_page": not request.GET.get("cursor"),
        },
        status=status,
    )


def _active_accounts(user) -> list[BankAccount]:
    return [a for a in selectors.bank_account_list(user=user) if a.is_active]


@require_http_methods(["GET", "HEAD", "POST"])
def transaction_new(request: HttpRequest) -> HttpResponse:
    accounts = _active_accounts(request.user)
    initial = {}
    if request.GET.get("account"):
        initial["bank_account_id"] = request.GET["account"]
    form = TransactionForm(request.POST or None, accounts=accounts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transaction_create(
                user=request.user,
                bank_account=data["bank_account"],
                amount=data["amount"],
                type=data["type"],
                status=data["status"],
                transaction_date=data["transaction_date"],
                posting_date=data["posting_date"],
                description=data["description"],
                category=data["category"],
                merchant_name=data["merchant_name"],
                request=request,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Transaction added.")
            return redirect("banking:transaction_list")
    return render(
        request,
        "banking/transaction_form.html",
        {"form": form, "accounts": accounts, "title": "Add a transaction", "submit": "Add transaction"},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def transaction_edit(request: HttpRequest, id) -> HttpResponse:
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=id)
    account = txn.bank_account
    if txn.is_transfer:
        initial = {"description": txn.description, "merchant_name": txn.merchant_name, "category": txn.category}
        form = TransferEditForm(request.POST or None, initial=initial)
    else:
        initial = {
            "bank_account_id": str(account.pk),
            "type": txn.type,
            "amount": to_decimal_string(txn.amount, txn.currency),
            "transaction_date": txn.transaction_date,
            "posting_date": txn.posting_date,
            "description": txn.description,
            "merchant_name": txn.merchant_name,
            "category": txn.category,
            "status": txn.status,
        }
        form = TransactionForm(request.POST or None, accounts=[account], initial=initial)
        form.fields["bank_account_id"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k not in {"bank_account_id", "bank_account"}}
        try:
            services.transaction_update(user=request.user, txn=txn, changes=changes, request=request)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Transaction saved.")
            return redirect("banking:transaction_list")
    return render(
        request,
        "banking/transaction_form.html",
        {
            "form": form,
            "txn": txn,
            "accounts": [account],
            "title": "Edit a transfer" if txn.is_transfer else "Edit a transaction",
            "submit": "Save changes",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def transaction_delete(request: HttpRequest, id) -> HttpResponse:
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=id)
    if request.method == "POST":
        removed = services.transaction_delete(user=request.user, txn=txn, request=request)
        messages.success(request, "Transfer removed from both accounts." if removed > 1 else "Transaction removed.")
        return redirect("banking:transaction_list")
    message = f"“{txn.description}” on {txn.transaction_date:%b %-d, %Y} will be removed."
    if txn.is_transfer:
        message += " It is half of a transfer: the other half, in the other account, goes too."
    return render(
        request,
        "banking/confirm_delete.html",
        {
            "title": "Remove this transaction?",
            "message": message,
            "txn": txn,
            "confirm_label": "Remove transaction",
            "cancel_url": reverse("banking:transaction_edit", args=[txn.pk]),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def transfer_new(request: HttpRequest) -> HttpResponse:
    accounts = _active_accounts(request.user)
    form = TransferForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_create(
                user=request.user,
                from_account=data["from_account"],
                to_account=data["to_account"],
                amount=data["amount"],
                transaction_date=data["transaction_date"],
                description=data["description"],
                request=request,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Transfer recorded in both accounts.")
            return redirect("banking:transaction_list")
    return render(
        request,
        "banking/transfer_form.html",
        {"form": form, "accounts": accounts},
        status=400 if request.method == "POST" else 200,
    )


# --- budgets --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def budget_list(request: HttpRequest) -> HttpResponse:
    budgets = selectors.budget_list(user=request.user)
    return render(
        request,
        "banking/budget_list.html",
        {"progress": selectors.budget_progress(user=request.user, budgets=budgets)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def budget_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    accounts = selectors.bank_account_list(user=request.user)
    if accounts:
        initial["currency"] = selectors.totals_by_currency(accounts)[0][0]
    form = BudgetForm(request.POST or None, initial=initial)
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
def budget_edit(request: HttpRequest, id) -> HttpResponse:
    budget = selectors.get_budget_for_user(user=request.user, budget_id=id)
    initial = {
        "name": budget.name,
        "category": budget.category,
        "amount": to_decimal_string(budget.amount, budget.currency),
        "currency": budget.currency,
        "period": budget.period,
        "start_date": budget.start_date,
        "end_date": budget.end_date,
        "is_active": budget.is_active,
    }
    form = BudgetForm(request.POST or None, initial=initial)
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
def budget_delete(request: HttpRequest, id) -> HttpResponse:
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
