"""The JSON API of categories, rules, recurring payments and alert settings.

Schemas parse the request, services decide and write, selectors read. Another user's rule, category or
series is `not_found`; bad input is a 400 naming the field and stores nothing; a duplicate category name
and removing a default category are 409 `conflict`.
"""

from ninja import Query, Router
from ninja.responses import Status

from accounts.http import AuthenticatedHttpRequest
from banking import schemas_rules as schemas
from banking import selectors, services
from banking.api import _page  # the same cursor errors as the other banking lists
from saas.api import ApiError
from saas.schemas import Limit, errors

router = Router(tags=["categorisation"])


# --- categories -------------------------------------------------------------------------------------------


@router.get("/categories", response={200: schemas.CategoryList, **errors()})
def category_list(request: AuthenticatedHttpRequest):
    """Your categories (at most 100), by name: the defaults and your own."""
    return {"categories": selectors.user_categories(user=request.user), "next_cursor": None}


@router.post("/categories", response={201: schemas.CategoryOne, **errors(400, 409)})
def category_create(request: AuthenticatedHttpRequest, payload: schemas.CategoryIn):
    """A category of your own; its `slug` is made from the name and never changes. `kind` decides whether
    its transactions count as spending (`expense`), income, or neither (`transfer`)."""
    try:
        category = services.category_create(user=request.user, request=request, **payload.dict())
    except services.DuplicateCategory as error:
        raise ApiError("conflict", str(error)) from None
    return Status(201, {"category": category})


@router.patch("/categories/{slug}", response={200: schemas.CategoryOne, **errors(400, 404, 409)})
def category_update(request: AuthenticatedHttpRequest, slug: str, payload: schemas.CategoryPatch):
    """Rename, recolour or change the kind of a category (the defaults too)."""
    category = selectors.get_category_for_user(user=request.user, slug=slug)
    try:
        category = services.category_update(
            user=request.user, category=category, changes=payload.dict(exclude_unset=True), request=request
        )
    except services.DuplicateCategory as error:
        raise ApiError("conflict", str(error)) from None
    return {"category": category}


@router.delete("/categories/{slug}", response={200: schemas.CategoryDeleted, **errors(400, 404, 409)})
def category_delete(request: AuthenticatedHttpRequest, slug: str):
    """Remove one of your own categories: its transactions, budgets and rules move to `other` (the answer says
    how many). A default category cannot be removed (409); `other` never (400)."""
    category = selectors.get_category_for_user(user=request.user, slug=slug)
    try:
        moved = services.category_delete(user=request.user, category=category, request=request)
    except services.CategoryProtected as error:
        raise ApiError("conflict", str(error)) from None
    return {"moved": moved}


# --- rules ------------------------------------------------------------------------------------------------


@router.get("/rules", response={200: schemas.RuleList, **errors(400)})
def rule_list(request: AuthenticatedHttpRequest, limit: Limit = 50, cursor: str | None = None):
    """Your rules in the order they run: lowest `priority` first."""
    page = _page(lambda **kw: selectors.rule_page(user=request.user, **kw), cursor=cursor, limit=limit)
    return {"rules": page.items, "next_cursor": page.next_cursor}


@router.post("/rules", response={201: schemas.RuleOne, **errors(400)})
def rule_create(request: AuthenticatedHttpRequest, payload: schemas.RuleIn):
    """A rule: `conditions` on description, merchant_name (contains, equals, starts_with, regex; text is
    matched ignoring case), amount (equals, gt, lt, between [min, max], minor units), bank_account_id or type
    (equals), `match` all or any; `actions` set category, merchant_name or description (`{1}` in a text
    action is what a regex captured). New transactions run through it from now on."""
    rule = services.rule_create(user=request.user, request=request, **payload.dict())
    return Status(201, {"rule": rule})


@router.get("/rules/{id}", response={200: schemas.RuleOne, **errors(404)})
def rule_get(request: AuthenticatedHttpRequest, id: str):
    return {"rule": selectors.get_rule_for_user(user=request.user, rule_id=id)}


@router.patch("/rules/{id}", response={200: schemas.RuleOne, **errors(400, 404)})
def rule_update(request: AuthenticatedHttpRequest, id: str, payload: schemas.RulePatch):
    rule = selectors.get_rule_for_user(user=request.user, rule_id=id)
    rule = services.rule_update(user=request.user, rule=rule, changes=payload.dict(exclude_unset=True), request=request)
    return {"rule": rule}


@router.delete("/rules/{id}", response={204: None, **errors(404)})
def rule_delete(request: AuthenticatedHttpRequest, id: str):
    rule = selectors.get_rule_for_user(user=request.user, rule_id=id)
    services.rule_delete(user=request.user, rule=rule, request=request)
    return Status(204, None)


@router.post("/rules/{id}/apply", response={200: schemas.RuleApplyOut, 202: schemas.RuleApplyOut, **errors(400, 404)})
def rule_apply(request: AuthenticatedHttpRequest, id: str, payload: schemas.RuleApplyIn):
    """Run the rule over your existing transactions (fields you set by hand stay): how many it `matched` and
    `changed`; with `dry_run` nothing is written. A long history is changed by a background task: 202 with
    `status: queued` and the counts it will change."""
    rule = selectors.get_rule_for_user(user=request.user, rule_id=id)
    result, queued = services.rule_apply_requested(user=request.user, rule=rule, dry_run=payload.dry_run,
                                                   request=request)  # fmt: skip
    body = {"matched": result.matched, "changed": result.changed, "dry_run": payload.dry_run,
            "status": "queued" if queued else "done"}  # fmt: skip
    return Status(202 if queued else 200, body)


# --- recurring --------------------------------------------------------------------------------------------


@router.get("/recurring", response={200: schemas.RecurringList, **errors(400)})
def recurring_list(
    request: AuthenticatedHttpRequest,
    filters: Query[schemas.RecurringQuery],
    limit: Limit = 50,
    cursor: str | None = None,
):
    """Recurring payments found in your history: `suggested` until you confirm or dismiss them. Confirmed
    ones show when they are next due; `missed` when one did not come."""
    page = _page(
        lambda **kw: selectors.recurring_page(user=request.user, status=filters.status, **kw),
        cursor=cursor,
        limit=limit,
    )
    return {"recurring": page.items, "next_cursor": page.next_cursor}


@router.patch("/recurring/{id}", response={200: schemas.RecurringOne, **errors(400, 404)})
def recurring_update(request: AuthenticatedHttpRequest, id: str, payload: schemas.RecurringPatch):
    """Confirm (`{"status": "confirmed"}`) or dismiss a recurring payment."""
    series = selectors.get_series_for_user(user=request.user, series_id=id)
    series = services.recurring_set_status(user=request.user, series=series, status=payload.status, request=request)
    return {"recurring": series}


# --- alert settings ---------------------------------------------------------------------------------------


@router.get("/alert-settings", response={200: schemas.AlertSettingsOne, **errors()})
def alert_settings_get(request: AuthenticatedHttpRequest):
    """Your e-mail alerts: budget thresholds (% of a period's limit), low balances per account, days before a
    confirmed bill is due (null: none), large transactions per currency, and whether to e-mail at all."""
    return {"alert_settings": selectors.alert_settings_for(user=request.user)}


@router.patch("/alert-settings", response={200: schemas.AlertSettingsOne, **errors(400)})
def alert_settings_update(request: AuthenticatedHttpRequest, payload: schemas.AlertSettingsPatch):
    settings = services.alert_settings_update(
        user=request.user, changes=payload.dict(exclude_unset=True), request=request
    )
    return {"alert_settings": settings}
