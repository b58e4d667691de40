"""Bank account pages: the list, adding one, editing, closing and reopening, verification, the number reveal,
removal.

Views stay thin: forms parse, services write, selectors read; every account comes through
`get_bank_account_for_user`, so another user's id is a 404.
"""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services
from banking.forms import (
    BankAccountEditForm,
    BankAccountForm,
    VerifyForm,
    apply_service_errors,
)
from banking.identifiers import format_sort_code
from banking.models import BankAccount
from banking.money import to_decimal_string
from banking.validators import country_name

REVEAL_SECONDS = 60


@require_http_methods(["GET", "HEAD"])
def account_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = selectors.bank_account_list(user=request.user)
    return render(
        request,
        "banking/account_list.html",
        {
            "open_accounts": [a for a in accounts if not a.is_closed],
            "closed_accounts": [a for a in accounts if a.is_closed],
            "totals": selectors.totals_by_currency(accounts),
            "allowance": selectors.bank_account_allowance(user=request.user, accounts=accounts),
        },
    )


def _upgrade_prompt(request: AuthenticatedHttpRequest, allowance, *, status: int = 200) -> HttpResponse:
    return render(request, "banking/account_limit.html", {"allowance": allowance}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def account_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add an account. At the plan's limit only cash can be added (it links no bank)."""
    allowance = selectors.bank_account_allowance(user=request.user)
    cash_only = allowance.reached
    wants_cash = (request.POST if request.method == "POST" else request.GET).get("account_type") == "cash"
    if cash_only and not wants_cash:
        return _upgrade_prompt(request, allowance, status=402 if request.method == "POST" else 200)
    initial = {"account_type": "cash"} if wants_cash else {}
    form = BankAccountForm(request.POST or None, initial=initial)
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
            if account.needs_verification:
                messages.success(
                    request,
                    f"Two small deposits are on their way to {account.label}: they show in its transactions within "
                    f"a minute or two. Enter both amounts to verify the account.",
                )
                return redirect("banking:account_verify", id=account.pk)
            messages.success(request, f"{account.label} is ready: add its transactions.")
            return redirect("banking:account_detail", id=account.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "banking/account_form.html",
        {"form": form, "allowance": allowance, "cash_only": cash_only},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def account_edit(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    initial = {
        "nickname": account.nickname,
        "bank_name": account.bank_name,
        "opening_balance": to_decimal_string(account.opening_balance, account.currency)
        if account.opening_balance or account.opening_balance_date
        else "",
        "opening_balance_date": account.opening_balance_date,
    }
    form = BankAccountEditForm(request.POST or None, initial=initial, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_update(
                user=request.user, bank_account=account, changes=form.cleaned_data, request=request
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Account saved.")
            return redirect("banking:account_detail", id=account.pk)
    return render(
        request,
        "banking/account_edit.html",
        {"form": form, "account": account},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def account_close(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    try:
        services.bank_account_close(user=request.user, bank_account=account, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{account.label} is closed: its history stays, and it is out of your totals.")
    return redirect("banking:account_detail", id=account.pk)


@require_POST
def account_reopen(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    try:
        account = services.bank_account_reopen(user=request.user, bank_account=account, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{account.label} is open again.")
    return redirect("banking:account_detail", id=account.pk)


def _account_detail(request: AuthenticatedHttpRequest, account: BankAccount, **extra) -> HttpResponse:
    recent = selectors.recent_transactions(user=request.user, accounts=[account], bank_account=account, limit=10)
    selectors.attach_category_names(recent, user=request.user)
    context = {
        "account": account,
        "sort_code": format_sort_code(account.sort_code),
        "country_name": country_name(account.country),
        "verification": selectors.verification_for(account),
        "recent": recent,
        "reveal_seconds": REVEAL_SECONDS,
        **extra,
    }
    return render(request, "banking/account_detail.html", context)


@require_http_methods(["GET", "HEAD"])
def account_detail(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    return _account_detail(request, account)


@reauthentication_required
def _reveal(request: AuthenticatedHttpRequest, account: BankAccount) -> HttpResponse:
    number = services.bank_account_reveal_number(user=request.user, bank_account=account, request=request)
    return _account_detail(request, account, revealed_number=number)


@require_POST
@never_cache
def account_reveal(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    """The full number, after a fresh password (or second factor) check; the page hides it after a minute."""
    # Ownership first: someone else's id is a 404, not a re-authentication prompt.
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    return _reveal(request, account)


@require_http_methods(["GET", "HEAD", "POST"])
def account_verify(request: AuthenticatedHttpRequest, id) -> HttpResponse:
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
                messages.success(request, f"{account.label} is verified and active.")
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
def account_resend_deposits(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    try:
        services.bank_account_resend_deposits(user=request.user, bank_account=account, request=request)
    except services.VerificationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Two new deposits are on their way: they show in the account's transactions in a minute or two."
        )
    return redirect("banking:account_verify", id=account.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=id)
    if request.method == "POST":
        services.bank_account_delete(user=request.user, bank_account=account, request=request)
        messages.success(request, f"{account.label} was removed with its transactions.")
        return redirect("banking:account_list")
    count = selectors.account_transaction_counts(user=request.user).get(account.pk, 0)
    return render(
        request,
        "banking/confirm_delete.html",
        {
            "title": f"Remove {account.label}?",
            "message": f"This removes the account and its {count} transaction{'s' if count != 1 else ''} for "
            f"good. Transfers with your other accounts keep their half there.",
            "confirm_label": "Remove account",
            "cancel_url": reverse("banking:account_detail", args=[account.pk]),
        },
    )
