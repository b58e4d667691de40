"""Rule pages: the list, adding and editing one (with a live preview of what it matches), applying it to
the existing history, removal, and the "Always put <merchant> in <category>?" prompt after a category
change.

Views stay thin: forms parse, services write, selectors read; every rule comes through
`get_rule_for_user`, so another user's id is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from banking import selectors, services
from banking.forms import apply_service_errors
from banking.forms_rules import RuleForm
from banking.models import Rule, Transaction
from banking.services.base import validate

PROMPT_KEY = "banking_rule_prompt"


def _currency(accounts) -> str:
    totals = selectors.totals_by_currency(accounts)
    return totals[0].currency if totals else "USD"


@require_http_methods(["GET", "HEAD"])
def rule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = selectors.bank_account_list(user=request.user)
    return render(
        request,
        "banking/rule_list.html",
        {
            "rules": selectors.rule_list(user=request.user),
            "names": selectors.category_names(user=request.user),
            "currency": _currency(accounts),
            "accounts": {str(a.pk): a.label for a in accounts},
        },
    )


def _form(request: AuthenticatedHttpRequest, rule: Rule | None = None) -> RuleForm:
    accounts = selectors.bank_account_list(user=request.user)
    currency = _currency(accounts)
    initial, rows = RuleForm.initial_for(rule, currency) if rule is not None else ({}, 3)
    if request.method == "POST":
        rows = max(rows, sum(1 for key in request.POST if key.startswith("value_")))
    return RuleForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        categories=selectors.user_categories(user=request.user),
        accounts=[a for a in accounts if not a.is_closed],
        currency=currency,
        rows=min(rows, 20),
    )


def _preview(request: AuthenticatedHttpRequest, form: RuleForm) -> tuple[selectors.RulePreview | None, list[str]]:
    """What the rule on the form matches now, or why it cannot be previewed yet."""
    if not form.is_valid():
        return None, ["Fill in the rule to see what it matches."]
    rule = Rule(user=request.user, **form.cleaned_data["rule"])
    try:
        validate(rule)
    except ValidationError as error:
        # What it matches shows before the actions are chosen.
        problems = [m for name, found in error.message_dict.items() if name != "actions" for m in found]
        if problems:
            return None, problems
        rule.actions = {}
    return selectors.rule_preview(user=request.user, rule=rule), []


def _save(request: AuthenticatedHttpRequest, form: RuleForm, rule: Rule | None) -> Rule | None:
    try:
        if rule is None:
            return services.rule_create(user=request.user, request=request, **form.cleaned_data["rule"])
        return services.rule_update(user=request.user, rule=rule, changes=form.cleaned_data["rule"], request=request)
    except ValidationError as error:
        apply_service_errors(form, error)
        return None


def _rule_page(request: AuthenticatedHttpRequest, rule: Rule | None) -> HttpResponse:
    form = _form(request, rule)
    preview: selectors.RulePreview | None = None
    problems: list[str] = []
    if request.method == "POST" and "preview" in request.POST:
        preview, problems = _preview(request, form)
    elif request.method == "POST" and form.is_valid():
        saved = _save(request, form, rule)
        if saved is not None:
            messages.success(request, "Rule saved: new transactions run through it. Apply it to your history below.")
            return redirect("banking:rule_edit", id=saved.pk)
    elif rule is not None:
        preview = selectors.rule_preview(user=request.user, rule=rule)
    return render(
        request,
        "banking/rule_form.html",
        {"form": form, "rule": rule, "preview": preview, "problems": problems},
        status=400 if request.method == "POST" and "preview" not in request.POST else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def rule_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _rule_page(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    return _rule_page(request, selectors.get_rule_for_user(user=request.user, rule_id=id))


@require_POST
def rule_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The preview as a fragment, for the script that refreshes it while the rule is edited."""
    preview, problems = _preview(request, _form(request))
    return render(request, "banking/includes/rule_preview.html", {"preview": preview, "problems": problems})


@require_POST
def rule_apply(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    rule = selectors.get_rule_for_user(user=request.user, rule_id=id)
    result, queued = services.rule_apply_requested(user=request.user, rule=rule, dry_run=False, request=request)
    if queued:
        messages.success(
            request,
            f"Applying “{rule.name}” to your history in the background: {result.changed} transactions will change.",
        )
    else:
        messages.success(request, f"“{rule.name}” matched {result.matched} transactions and changed {result.changed}.")
    return redirect("banking:rule_edit", id=rule.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def rule_delete(request: AuthenticatedHttpRequest, id) -> HttpResponse:
    rule = selectors.get_rule_for_user(user=request.user, rule_id=id)
    if request.method == "POST":
        services.rule_delete(user=request.user, rule=rule, request=request)
        messages.success(request, f"Rule “{rule.name}” removed. Transactions it categorised stay as they are.")
        return redirect("banking:rule_list")
    return render(
        request,
        "banking/confirm_delete.html",
        {
            "title": f"Remove the rule “{rule.name}”?",
            "message": "New transactions stop running through it; the ones it already changed stay as they are.",
            "confirm_label": "Remove rule",
            "cancel_url": reverse("banking:rule_edit", args=[rule.pk]),
        },
    )


# --- "Always put <merchant> in <category>?" ------------------------------------------------------------


def rule_prompt_offer(request: AuthenticatedHttpRequest, txn: Transaction) -> None:
    """After a person changed a transaction's category: offer to make it a rule (on the next history page)."""
    if txn.is_transfer or not (txn.merchant_name or txn.description):
        return
    request.session[PROMPT_KEY] = {"transaction_id": str(txn.pk), "category": txn.category}


def rule_prompt_pop(request: AuthenticatedHttpRequest) -> dict | None:
    """The pending offer, once, with what it would create; None when there is none (or it no longer fits)."""
    offer = request.session.pop(PROMPT_KEY, None) if PROMPT_KEY in request.session else None
    if not offer:
        return None
    try:
        txn = selectors.get_transaction_for_user(user=request.user, transaction_id=offer["transaction_id"])
        category = selectors.get_category_for_user(user=request.user, slug=offer["category"])
    except Exception:  # the transaction or category went meanwhile: nothing to offer
        return None
    if txn.category != category.slug:
        return None
    return {"txn": txn, "category": category, "merchant": txn.merchant_name or txn.description}


@require_POST
def rule_learn(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Make the offered rule, and apply it to the other transactions of that merchant."""
    txn = selectors.get_transaction_for_user(user=request.user, transaction_id=request.POST.get("transaction_id"))
    category = selectors.get_category_for_user(user=request.user, slug=request.POST.get("category"))
    try:
        rule = services.rule_create(user=request.user, request=request, **services.learned_rule_fields(txn, category))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("banking:transaction_list")
    result, queued = services.rule_apply_requested(user=request.user, rule=rule, dry_run=False, request=request)
    merchant = txn.merchant_name or txn.description
    if queued:
        messages.success(request, f"From now on {merchant} goes in {category.name}; your history follows shortly.")
    else:
        others = result.changed
        messages.success(
            request,
            f"From now on {merchant} goes in {category.name}. {others} other transaction{'s' if others != 1 else ''} "
            "moved there too.",
        )
    return redirect("banking:transaction_list")
