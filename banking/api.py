"""The banking JSON API: bank accounts, verification, transactions, transfers, budgets.

Same services and validation as the pages. Another user's object is `not_found`; bad input is a 400
with per-field messages and writes nothing.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from banking import selectors, services
from banking.forms import TransactionFilterForm
from banking.models import BankAccount, Budget, Transaction
from banking.pagination import InvalidCursor, Page
from saas.api import ApiError, api_view, parse_limit, require_object


def _get_or_404(kind: str, getter, **kwargs):
    try:
        return getter(**kwargs)
    except Http404:
        raise ApiError("not_found", f"No {kind} with that id.") from None


def _account(request: HttpRequest, bank_account_id: Any) -> BankAccount:
    return _get_or_404(
        "bank account", selectors.get_bank_account_for_user, user=request.user, bank_account_id=bank_account_id
    )


def _transaction(request: HttpRequest, transaction_id: Any) -> Transaction:
    return _get_or_404(
        "transaction", selectors.get_transaction_for_user, user=request.user, transaction_id=transaction_id
    )


def _budget(request: HttpRequest, budget_id: Any) -> Budget:
    return _get_or_404("budget", selectors.get_budget_for_user, user=request.user, budget_id=budget_id)


def _page(request: HttpRequest, read) -> Page:
    limit = parse_limit(request)
    try:
        return read(cursor=request.GET.get("cursor") or None, limit=limit)
    except InvalidCursor as error:
        raise ApiError("validation_error", "Invalid query.", fields={"cursor": [str(error)]}) from None


def _account_ref(data: dict, field: str, request: HttpRequest) -> BankAccount:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise ApiError(
            "validation_error",
            "Some fields are not valid: see `fields`.",
            fields={field: ["Send the id of one of your bank accounts."]},
        )
    return _account(request, value)


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- bank accounts --------------------------------------------------------------------------------


@api_view(["GET", "POST"])
def bank_accounts(request: HttpRequest):
    if request.method == "GET":
        page = _page(request, lambda **kw: selectors.bank_account_page(user=request.user, **kw))
        return {
            "bank_accounts": [selectors.serialize_bank_account(a) for a in page.items],
            "next_cursor": page.next_cursor,
        }
    data = require_object(request.data)
    try:
        account = services.bank_account_create(
            user=request.user,
            account_number=data.get("account_number"),
            routing_number=data.get("routing_number"),
            bank_name=data.get("bank_name"),
            account_type=data.get("account_type"),
            nickname=data.get("nickname") or "",
            currency=data.get("currency") or "USD",
            request=request,
        )
    except services.BankAccountLimitReached as error:
        raise ApiError("subscription_required", f"{error} Subscribe on /pricing to link more accounts.") from None
    except services.DuplicateBankAccount as error:
        raise ApiError("conflict", str(error)) from None
    return {"bank_account": selectors.serialize_bank_account(account)}, 201


@api_view(["GET", "DELETE"])
def bank_account(request: HttpRequest, id: str):
    account = _account(request, id)
    if request.method == "DELETE":
        services.bank_account_delete(user=request.user, bank_account=account, request=request)
        return _no_content()
    return {"bank_account": selectors.serialize_bank_account(account)}


@api_view(["POST"])
def bank_account_verify(request: HttpRequest, id: str):
    account = _account(request, id)
    data = require_object(request.data)
    try:
        account = services.bank_account_verify(
            user=request.user, bank_account=account, amounts=data.get("amounts"), request=request
        )
    except services.VerificationError as error:
        if error.attempts_left is not None:  # a wrong guess, counted
            raise ApiError(
                "validation_error", "Some fields are not valid: see `fields`.", fields={"amounts": [error.message]}
            ) from None
        raise ApiError("conflict", error.message) from None
    return {"bank_account": selectors.serialize_bank_account(account)}


# --- transactions ---------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.TransactionFilters:
    params = {k: request.GET.get(k, "") for k in ("category", "type", "status", "date_from", "date_to", "q")}
    account = None
    if request.GET.get("account"):
        account = _account(request, request.GET["account"])
    form = TransactionFilterForm(params, accounts=[])
    if not form.is_valid():
        fields = {name: [e["message"] for e in errors] for name, errors in form.errors.get_json_data().items()}
        raise ApiError("validation_error", "Invalid query.", fields=fields)
    cleaned = {k: v or None for k, v in form.cleaned_data.items() if k != "account"}
    return selectors.TransactionFilters(account=account.pk if account else None, **cleaned)


@api_view(["GET", "POST"])
def transactions(request: HttpRequest):
    if request.method == "GET":
        filters = _filters(request)
        page = _page(request, lambda **kw: selectors.transaction_page(user=request.user, filters=filters, **kw))
        return {
            "transactions": [selectors.serialize_transaction(t) for t in page.items],
            "next_cursor": page.next_cursor,
        }
    data = require_object(request.data)
    account = _account_ref(data, "bank_account_id", request)
    txn = services.transaction_create(
        user=request.user,
        bank_account=account,
        amount=data.get("amount"),
        type=data.get("type"),
        status=data.get("status") or Transaction.Status.COMPLETED,
        transaction_date=data.get("transaction_date"),
        posting_date=data.get("posting_date"),
        description=data.get("description"),
        category=data.get("category") or "other",
        merchant_name=data.get("merchant_name") or "",
        external_id=data.get("external_id") or "",
        request=request,
    )
    return {"transaction": selectors.serialize_transaction(txn)}, 201


@api_view(["GET", "PATCH", "DELETE"])
def transaction_detail(request: HttpRequest, id: str):
    txn = _transaction(request, id)
    if request.method == "DELETE":
        services.transaction_delete(user=request.user, txn=txn, request=request)
        return _no_content()
    if request.method == "PATCH":
        changes = require_object(request.data)
        txn = services.transaction_update(user=request.user, txn=txn, changes=changes, request=request)
    return {"transaction": selectors.serialize_transaction(txn)}


@api_view(["POST"])
def transfers(request: HttpRequest):
    data = require_object(request.data)
    source = _account_ref(data, "from_account_id", request)
    target = _account_ref(data, "to_account_id", request)
    outgoing, incoming = services.transfer_create(
        user=request.user,
        from_account=source,
        to_account=target,
        amount=data.get("amount"),
        transaction_date=data.get("transaction_date"),
        description=data.get("description") or "",
        request=request,
    )
    return {
        "transfer_pair_id": str(outgoing.transfer_pair_id),
        "transactions": [selectors.serialize_transaction(outgoing), selectors.serialize_transaction(incoming)],
    }, 201


# --- budgets --------------------------------------------------------------------------------------


def _budget_json(request: HttpRequest, budget: Budget) -> dict[str, Any]:
    (progress,) = selectors.budget_progress(user=request.user, budgets=[budget])
    return selectors.serialize_budget(budget, progress)


@api_view(["GET", "POST"])
def budgets(request: HttpRequest):
    if request.method == "GET":
        page = _page(request, lambda **kw: selectors.budget_page(user=request.user, **kw))
        return {
            "budgets": [selectors.serialize_budget(p.budget, p) for p in page.items],
            "next_cursor": page.next_cursor,
        }
    data = require_object(request.data)
    budget = services.budget_create(
        user=request.user,
        name=data.get("name"),
        category=data.get("category"),
        amount=data.get("amount"),
        currency=data.get("currency") or "USD",
        period=data.get("period") or Budget.Period.MONTHLY,
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
        is_active=data.get("is_active", True),
        request=request,
    )
    return {"budget": _budget_json(request, budget)}, 201


@api_view(["GET", "PATCH", "DELETE"])
def budget_detail(request: HttpRequest, id: str):
    budget = _budget(request, id)
    if request.method == "DELETE":
        services.budget_delete(user=request.user, budget=budget, request=request)
        return _no_content()
    if request.method == "PATCH":
        budget = services.budget_update(
            user=request.user, budget=budget, changes=require_object(request.data), request=request
        )
    return {"budget": _budget_json(request, budget)}
