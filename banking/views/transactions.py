"""The history, and adding, editing and removing transactions and transfers.

Views stay thin: forms parse, services write, selectors read; every transaction comes through
`get_transaction_for_user`, so another user's id is a 404.
"""

import hashlib
from dataclasses import fields as dataclass_fields
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services
from banking.csv_export import transactions_csv
from banking.forms import (
    TransactionFilterForm,
    TransactionForm,
    TransferEditForm,
    TransferForm,
    apply_service_errors,
)
from banking.models import BankAccount
from banking.money import to_decimal_string
from banking.pagination import InvalidCursor
from banking.selectors.categories import attach_category_names, user_categories
from banking.views.rules import rule_prompt_offer, rule_prompt_pop

PAGE_SIZE = 50


HISTORY_CACHE_SECONDS = 600


@require_http_methods(["GET", "HEAD"])
def transaction_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The heading, filters, rows and pager are cached as HTML under the user's data version, which every
    # write to a transaction, an account or a category moves on in its own database transaction (like the
    # dashboard's overview), and under the query: each filtered view and each page is its own entry. The
    # rule offer is the session's, so it stays outside.
    user = request.user
    query = hashlib.blake2s(urlencode(sorted(request.GET.lists()), doseq=True).encode(), digest_size=12).hexdigest()
    key = f"history:{user.pk}:{user.data_version}:{query}"
    cached = cache.get(key)
    if cached is None:
        head, history, status, cacheable = _render_history(request)
        if cacheable:
            cache.set(key, (head, history), HISTORY_CACHE_SECONDS)
    else:
        (head, history), status = cached, 200
    return render(
        request,
        "banking/transaction_list.html",
        {"head": mark_safe(head), "history": mark_safe(history), "rule_prompt": rule_prompt_pop(request)},  # noqa: S308 - our own HTML
        status=status,
    )


def _chosen_filters(
    request: HttpRequest, accounts: list[BankAccount], categories: list
) -> tuple[TransactionFilterForm, selectors.TransactionFilters | None]:
    """The filter form for the query (the cursor aside) and the filters it holds: None when they do not hold
    (the form says why)."""
    filter_params = {k: v for k, v in request.GET.items() if k != "cursor"}
    form = TransactionFilterForm(filter_params or None, accounts=accounts, categories=categories)
    if not filter_params:
        return form, selectors.TransactionFilters()
    return form, (form.filters() if form.is_valid() else None)


@require_http_methods(["GET", "HEAD"])
def transaction_export(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The transactions the page's filters keep, as CSV: streamed in batches, so memory stays flat."""
    accounts, categories = selectors.history_lists(user=request.user)
    form, filters = _chosen_filters(request, accounts, categories)
    if filters is None:
        problems = [f"{name}: {message}" for name, messages in form.errors.items() for message in messages]
        text = "Fix the filters to download transactions.\n" + "\n".join(problems) + "\n"
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    on = sorted(f.name for f in dataclass_fields(filters) if getattr(filters, f.name) not in (None, ""))
    audit_log(action="transactions.exported", user=request.user, request=request, details={"filters": on})
    rows = selectors.transaction_rows(user=request.user, filters=filters)
    response = StreamingHttpResponse(transactions_csv(rows, accounts), content_type="text/csv; charset=utf-8")
    filename = f"ledgerly-transactions-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _render_history(request: AuthenticatedHttpRequest) -> tuple[str, str, int, bool]:
    """The page's heading and its history (filters, rows, pager) as HTML; the status to answer with (400 for
    filters that do not hold, the form says why); and whether the HTML may be cached (not when the page
    carries an answer to this request only: errors, an expired cursor's fallback)."""
    accounts, categories = selectors.history_lists(user=request.user)
    form, chosen = _chosen_filters(request, accounts, categories)
    status = 200
    cacheable = True
    page = summary = None
    filters = selectors.TransactionFilters()
    if chosen is None:
        status, cacheable = 400, False
    else:
        filters = chosen
        try:
            page = selectors.transaction_page(
                user=request.user, filters=filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
            )
        except InvalidCursor:
            messages.warning(request, "That page link has expired; here are your newest transactions.")
            page = selectors.transaction_page(user=request.user, filters=filters, limit=PAGE_SIZE)
            cacheable = False
        selectors.attach_accounts(page.items, accounts)
        attach_category_names(page.items, user=request.user)
    export_query = urlencode({k: v for k, v in request.GET.items() if k != "cursor" and v})
    if page is not None:
        summary = _summary(request.user, filters, export_query)
    context = {
        "form": form,
        "page": page,
        "summary": summary,
        "export_query": export_query,
        "filters": filters,
        "accounts": accounts,
        "has_active_account": any(a.is_active for a in accounts),
        "is_first_page": not request.GET.get("cursor"),
    }
    head = render_to_string("banking/includes/history_head.html", context, request)
    history = render_to_string("banking/includes/history.html", context, request)
    return head, history, status, cacheable


def _summary(user, filters: selectors.TransactionFilters, filter_query: str) -> selectors.TransactionSummary:
    """The filter's count and totals: the same on every page of it, so computed once per data version (an
    aggregate over every row the filter keeps), not once per page."""
    digest = hashlib.blake2s(filter_query.encode(), digest_size=12).hexdigest()
    key = f"history-summary:{user.pk}:{user.data_version}:{digest}"
    summary = cache.get(key)
    if summary is None:
        summary = selectors.transaction_summary(user=user, filters=filters)
        cache.set(key, summary, HISTORY_CACHE_SECONDS)
    return summary


def _active_accounts(user) -> list[BankAccount]:
    return [a for a in selectors.bank_account_list(user=user) if a.is_active]


@require_http_methods(["GET", "HEAD", "POST"])
def transaction_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = _active_accounts(request.user)
    initial = {}
    if request.GET.get("account"):
        initial["bank_account_id"] = request.GET["account"]
    form = TransactionForm(
        request.POST or None, accounts=accounts, initial=initial, categories=user_categories(user=request.user)
    )
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
def transaction_edit(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=id)
    account = txn.bank_account
    form: TransferEditForm | TransactionForm
    if txn.is_transfer:
        initial = {"description": txn.description, "merchant_name": txn.merchant_name, "category": txn.category}
        form = TransferEditForm(request.POST or None, initial=initial, categories=user_categories(user=request.user))
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
        form = TransactionForm(
            request.POST or None, accounts=[account], initial=initial, categories=user_categories(user=request.user)
        )
        form.fields["bank_account_id"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k not in {"bank_account_id", "bank_account"}}
        category_before = txn.category
        try:
            updated = services.transaction_update(user=request.user, txn=txn, changes=changes, request=request)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Transaction saved.")
            if updated.category != category_before:
                rule_prompt_offer(request, updated)
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
def transaction_delete(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=id)
    if request.method == "POST":
        removed = services.transaction_delete(user=request.user, txn=txn, request=request)
        messages.success(request, "Transfer removed from both accounts." if removed > 1 else "Transaction removed.")
        return redirect("banking:transaction_list")
    message = f"“{txn.description}” on {date_format(txn.transaction_date)} will be removed."
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
def transfer_new(request: AuthenticatedHttpRequest) -> HttpResponse:
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
                to_amount=data["to_amount"],
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
