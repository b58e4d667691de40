"""The banking JSON API: bank accounts, verification, transactions, transfers, budgets.

Schemas parse the request, services decide and write, selectors read. Another user's object is
`not_found`; bad input is a 400 with per-field messages and writes nothing.
"""

from ninja import Query, Router
from ninja.responses import Status

from accounts.http import AuthenticatedHttpRequest
from banking import schemas, schemas_rules, selectors, services
from banking.models import BankAccount
from banking.pagination import InvalidCursor, Page
from saas.api import INVALID, ApiError
from saas.schemas import Limit, errors

router = Router(tags=["banking"])


def _page(read, *, cursor: str | None, limit: int) -> Page:
    try:
        return read(cursor=cursor or None, limit=limit)
    except InvalidCursor as error:
        raise ApiError("validation_error", INVALID, fields={"cursor": [str(error)]}) from None


def _account(request: AuthenticatedHttpRequest, bank_account_id) -> BankAccount:
    return selectors.get_bank_account_for_user(user=request.user, bank_account_id=bank_account_id)


# --- bank accounts --------------------------------------------------------------------------------


@router.get("/bank-accounts", response={200: schemas.BankAccountList, **errors(400)})
def bank_account_list(request: AuthenticatedHttpRequest, limit: Limit = 50, cursor: str | None = None):
    """Your bank accounts, oldest first."""
    page = _page(lambda **kw: selectors.bank_account_page(user=request.user, **kw), cursor=cursor, limit=limit)
    return {"bank_accounts": page.items, "next_cursor": page.next_cursor}


@router.post("/bank-accounts", response={201: schemas.BankAccountOne, **errors(400, 402, 409)})
def bank_account_create(request: AuthenticatedHttpRequest, payload: schemas.BankAccountIn):
    """Add an account, identified by `account_number` + `routing_number` (US), `iban` (+ `bic`), `sort_code` +
    `account_number` (UK), `account_number` alone, or nothing (cash). A US account gets two micro-deposits:
    confirm them with `/verify`; the others are active at once."""
    try:
        account = services.bank_account_create(user=request.user, request=request, **payload.dict())
    except services.BankAccountLimitReached as error:
        raise ApiError("subscription_required", f"{error} Subscribe on /pricing to link more accounts.") from None
    except services.DuplicateBankAccount as error:
        raise ApiError("conflict", str(error)) from None
    return Status(201, {"bank_account": account})


@router.get("/bank-accounts/{id}", response={200: schemas.BankAccountOne, **errors(404)})
def bank_account_get(request: AuthenticatedHttpRequest, id: str):
    return {"bank_account": _account(request, id)}


@router.patch("/bank-accounts/{id}", response={200: schemas.BankAccountOne, **errors(400, 404)})
def bank_account_update(request: AuthenticatedHttpRequest, id: str, payload: schemas.BankAccountPatch):
    """Rename (`nickname`, `bank_name`), change the opening balance, close (`{"status": "closed"}`) or reopen
    (`{"status": "active"}`) an account. A closed account keeps its history and takes no new transactions."""
    account = services.bank_account_update(
        user=request.user, bank_account=_account(request, id), changes=payload.dict(exclude_unset=True), request=request
    )
    return {"bank_account": account}


@router.delete("/bank-accounts/{id}", response={204: None, **errors(404)})
def bank_account_delete(request: AuthenticatedHttpRequest, id: str):
    """Remove the account with its transactions."""
    services.bank_account_delete(user=request.user, bank_account=_account(request, id), request=request)
    return Status(204, None)


@router.post("/bank-accounts/{id}/verify", response={200: schemas.BankAccountOne, **errors(400, 404, 409)})
def bank_account_verify(request: AuthenticatedHttpRequest, id: str, payload: schemas.VerifyIn):
    """Confirm the two micro-deposit amounts (in cents, any order). The third wrong try suspends the account."""
    account = _account(request, id)
    try:
        account = services.bank_account_verify(
            user=request.user, bank_account=account, amounts=payload.amounts, request=request
        )
    except services.VerificationError as error:
        if error.attempts_left is not None:  # a wrong guess, counted
            raise ApiError("validation_error", INVALID, fields={"amounts": [error.message]}) from None
        raise ApiError("conflict", error.message) from None
    return {"bank_account": account}


# --- transactions ---------------------------------------------------------------------------------


def _filters(request: AuthenticatedHttpRequest, query: schemas.TransactionQuery) -> selectors.TransactionFilters:
    values = query.dict()
    if values["account"] is not None:
        values["account"] = _account(request, values["account"]).pk
    if values["category"] is not None and values["category"] not in selectors.category_names(user=request.user):
        raise ApiError("validation_error", INVALID, fields={"category": ["Choose one of your categories' slugs."]})
    return selectors.TransactionFilters(**values)


@router.get("/transactions", response={200: schemas.TransactionList, **errors(400, 404)})
def transaction_list(
    request: AuthenticatedHttpRequest,
    filters: Query[schemas.TransactionQuery],
    limit: Limit = 50,
    cursor: str | None = None,
):
    """Your history, newest first, filtered; follow `next_cursor` for older rows."""
    chosen = _filters(request, filters)
    page = _page(
        lambda **kw: selectors.transaction_page(user=request.user, filters=chosen, **kw), cursor=cursor, limit=limit
    )
    return {"transactions": page.items, "next_cursor": page.next_cursor}


@router.get("/transactions/summary", response={200: schemas.TransactionSummaryOut, **errors(400, 404)})
def transaction_summary(request: AuthenticatedHttpRequest, filters: Query[schemas.TransactionQuery]):
    """How many transactions the filters keep, and per currency their income, expenses and net (positive minor
    units; net is signed). Transfers between your accounts, failed transactions and verification deposits
    are neither income nor expenses."""
    summary = selectors.transaction_summary(user=request.user, filters=_filters(request, filters))
    return {
        "count": summary.count,
        "totals": [
            {"currency": t.currency, "income": t.income, "expenses": t.expenses, "net": t.net} for t in summary.totals
        ],
    }


@router.post("/transactions", response={201: schemas.TransactionOne, **errors(400, 404)})
def transaction_create(request: AuthenticatedHttpRequest, payload: schemas.TransactionIn):
    """Record a debit or a credit on one of your active accounts."""
    values = payload.dict()
    account = _account(request, values.pop("bank_account_id"))
    txn = services.transaction_create(user=request.user, bank_account=account, request=request, **values)
    return Status(201, {"transaction": txn})


@router.get("/transactions/{id}", response={200: schemas.TransactionOne, **errors(404)})
def transaction_get(request: AuthenticatedHttpRequest, id: str):
    return {"transaction": selectors.get_transaction_for_user(user=request.user, transaction_id=id)}


@router.patch("/transactions/{id}", response={200: schemas_rules.TransactionChanged, **errors(400, 404)})
def transaction_update(request: AuthenticatedHttpRequest, id: str, payload: schemas.TransactionPatch):
    """Change the fields you send; a transfer's legs change only their description, category and merchant.
    A changed category answers with `suggested_rule`: POST it to /api/rules to file this merchant there
    always."""
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=id)
    category_before = txn.category
    txn = services.transaction_update(
        user=request.user, txn=txn, changes=payload.dict(exclude_unset=True), request=request
    )
    suggestion = None
    if txn.category != category_before and not txn.is_transfer:
        category = selectors.get_category_for_user(user=request.user, slug=txn.category)
        suggestion = services.learned_rule_fields(txn, category)
    return {"transaction": txn, "suggested_rule": suggestion}


@router.delete("/transactions/{id}", response={204: None, **errors(404)})
def transaction_delete(request: AuthenticatedHttpRequest, id: str):
    """Remove a transaction; either leg of a transfer removes both."""
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=id)
    services.transaction_delete(user=request.user, txn=txn, request=request)
    return Status(204, None)


@router.post("/transfers", response={201: schemas.TransferOut, **errors(400, 404)})
def transfer_create(request: AuthenticatedHttpRequest, payload: schemas.TransferIn):
    """Move money between two of your accounts: two linked transactions. Between currencies send `to_amount`,
    what arrives in the destination's currency."""
    values = payload.dict()
    source = _account(request, values.pop("from_account_id"))
    target = _account(request, values.pop("to_account_id"))
    outgoing, incoming = services.transfer_create(
        user=request.user, from_account=source, to_account=target, request=request, **values
    )
    return Status(201, {"transfer_pair_id": outgoing.transfer_pair_id, "transactions": [outgoing, incoming]})


# --- budgets --------------------------------------------------------------------------------------


def _budget_out(request: AuthenticatedHttpRequest, budget) -> schemas.BudgetProgressOut:
    (progress,) = selectors.budget_progress(user=request.user, budgets=[budget])
    return schemas.BudgetProgressOut.of(progress)


@router.get("/budgets", response={200: schemas.BudgetList, **errors(400)})
def budget_list(request: AuthenticatedHttpRequest, limit: Limit = 50, cursor: str | None = None):
    """Your budgets, each with what was spent in its current period."""
    page = _page(lambda **kw: selectors.budget_page(user=request.user, **kw), cursor=cursor, limit=limit)
    return {"budgets": [schemas.BudgetProgressOut.of(p) for p in page.items], "next_cursor": page.next_cursor}


@router.post("/budgets", response={201: schemas.BudgetOne, **errors(400)})
def budget_create(request: AuthenticatedHttpRequest, payload: schemas.BudgetIn):
    """A spending limit for one category and currency, per week, month or year."""
    budget = services.budget_create(user=request.user, request=request, **payload.dict())
    return Status(201, {"budget": _budget_out(request, budget)})


@router.get("/budgets/{id}", response={200: schemas.BudgetOne, **errors(404)})
def budget_get(request: AuthenticatedHttpRequest, id: str):
    return {"budget": _budget_out(request, selectors.get_budget_for_user(user=request.user, budget_id=id))}


@router.patch("/budgets/{id}", response={200: schemas.BudgetOne, **errors(400, 404)})
def budget_update(request: AuthenticatedHttpRequest, id: str, payload: schemas.BudgetPatch):
    budget = selectors.get_budget_for_user(user=request.user, budget_id=id)
    budget = services.budget_update(
        user=request.user, budget=budget, changes=payload.dict(exclude_unset=True), request=request
    )
    return {"budget": _budget_out(request, budget)}


@router.delete("/budgets/{id}", response={204: None, **errors(404)})
def budget_delete(request: AuthenticatedHttpRequest, id: str):
    budget = selectors.get_budget_for_user(user=request.user, budget_id=id)
    services.budget_delete(user=request.user, budget=budget, request=request)
    return Status(204, None)
