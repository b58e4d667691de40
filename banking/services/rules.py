"""Writes for categorisation rules, and running them: on new transactions (typed, API, import) and over a
user's existing history (in batches, in flat memory; a background task for big histories)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from banking import rule_engine
from banking.models import Category, Rule, Transaction
from banking.services.balances import spending_rebuild
from banking.services.base import pick, raise_if, user_lock, validate
from banking.services.flows import flow_rebuild

RULE_FIELDS = ("name", "priority", "is_active", "match", "conditions", "actions")
# Histories up to this size are re-categorised in the request; bigger ones by a background task.
APPLY_INLINE_LIMIT = 5000
APPLY_BATCH = 2000
RULE_FIELDS_SET = tuple(Transaction.HAND_SET)

# Rules every user starts with, and sees and edits like their own: they clean card-processor noise out of
# descriptions into the merchant name ("POS 4411 SQ *BLUE BOTTLE COF" -> "BLUE BOTTLE COF").
_NUMBER_TAIL = r"(?:\s+(?:store\s+)?#?\s?\d{2,})?"
DEFAULT_RULES = [
    (
        "Merchant from card-processor names (SQ *, TST*, PayPal *)",
        1,
        r"^(?:.*?\s)?(?:sq|tst|sp|pp|paypal|iz|zettle|sumup)\s?\*\s*(.+?)" + _NUMBER_TAIL + "$",
    ),
    (
        "Merchant from point-of-sale descriptions (POS 4411 …)",
        2,
        r"^(?:pos|debit card purchase|card purchase|checkcard|visa purchase)(?:\s+#?\d+)?\s+(.+?)" + _NUMBER_TAIL + "$",
    ),
    ("Merchant without a trailing store number", 3, r"^(\D.*?)\s+(?:store\s+)?(?:#\s?\d+|\d{4,})$"),
]


def rules_create_defaults(*, user: User) -> None:
    """The merchant-cleaning rules, for a new user (once: a user who removed them does not get them back)."""
    if Rule.objects.filter(user=user, is_default=True).exists():
        return
    Rule.objects.bulk_create(
        [
            Rule(
                user=user,
                name=name,
                priority=priority,
                match=Rule.Match.ALL,
                conditions=[{"field": "description", "op": "regex", "value": pattern}],
                actions={"merchant_name": "{1}"},
                is_default=True,
            )
            for name, priority, pattern in DEFAULT_RULES
        ]
    )


def compiled_rules(*, user: User) -> list[rule_engine.CompiledRule]:
    """The user's active rules, ready to run, lowest priority first (one query)."""
    rules = Rule.objects.filter(user=user, is_active=True).order_by("priority", "created_at", "id")
    return [rule.compiled() for rule in rules.only("id", "match", "conditions", "actions")]


def _locked(txn) -> set[str]:
    return {name for name in RULE_FIELDS_SET if txn.is_hand_set(name)}


def rules_apply_to_new(*, user: User, transactions: Sequence[Transaction]) -> int:
    """Categorise a batch of new, unsaved transactions in memory with the user's rules (read once); returns
    how many changed. Fields marked set by hand are left alone. Once the caller's database transaction
    commits, the user's alerts are checked for these transactions (banking.services.alerts)."""
    from banking.services.alerts import alerts_check_on_commit

    if not transactions:
        return 0
    rules = compiled_rules(user=user)
    changed = 0
    for txn in transactions:
        if txn.category == Category.VERIFICATION or not rules:
            continue
        outcome = rule_engine.run_rules(rules, txn, locked=_locked(txn))
        for name, value in outcome.changes.items():
            setattr(txn, name, value)
        changed += bool(outcome.changes)
    alerts_check_on_commit(user=user, transaction_ids=[str(txn.pk) for txn in transactions])
    return changed


# --- writes -----------------------------------------------------------------------------------------------


@transaction.atomic
def rule_create(
    *,
    user: User,
    name: str,
    conditions: list,
    actions: dict,
    match: str = Rule.Match.ALL,
    priority: int = Rule.DEFAULT_PRIORITY,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> Rule:
    """A rule of the user's own; checked (conditions, actions, the user's categories and accounts) first."""
    rule = Rule(
        user=user,
        name=name,
        conditions=conditions,
        actions=actions,
        match=match,
        priority=priority,
        is_active=is_active,
    )
    validate(rule)
    user_lock(user)
    if Rule.objects.filter(user=user).count() >= Rule.MAX_PER_USER:
        raise_if({"__all__": [f"You can have up to {Rule.MAX_PER_USER} rules: remove one you no longer use."]})
    rule.save(force_insert=True)
    audit_log(action="rule.created", user=user, request=request, details={"rule_id": str(rule.pk), "name": rule.name})
    return rule


@transaction.atomic
def rule_update(*, user: User, rule: Rule, changes: dict[str, Any], request: HttpRequest | None = None) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk, user=user)
    raise_if(pick(changes, RULE_FIELDS))
    for name, value in changes.items():
        setattr(rule, name, value)
    validate(rule)
    rule.save()
    audit_log(
        action="rule.updated",
        user=user,
        request=request,
        details={"rule_id": str(rule.pk), "name": rule.name, "fields": sorted(changes)},
    )
    return rule


@transaction.atomic
def rule_delete(*, user: User, rule: Rule, request: HttpRequest | None = None) -> None:
    rule = Rule.objects.select_for_update().get(pk=rule.pk, user=user)
    audit_log(action="rule.deleted", user=user, request=request, details={"rule_id": str(rule.pk), "name": rule.name})
    rule.delete()


def learned_rule_fields(txn: Transaction, category: Category) -> dict[str, Any]:
    """What "Always put <merchant> in <category>" creates: the merchant (or else the description) equal to
    this transaction's, filed under `category`."""
    field, value = ("merchant_name", txn.merchant_name) if txn.merchant_name else ("description", txn.description)
    return {
        "name": f"{value[:60]} → {category.name}",
        "conditions": [{"field": field, "op": "equals", "value": value}],
        "actions": {"category": category.slug},
    }


# --- over existing transactions ------------------------------------------------------------------------


@dataclass
class ApplyResult:
    matched: int = 0
    changed: int = 0


@dataclass(slots=True)
class _Row:
    """What rules read of a transaction, without building a model instance per row."""

    pk: Any
    bank_account_id: Any
    amount: int
    type: str
    description: str
    merchant_name: str
    category: str
    hand_set: int

    def is_hand_set(self, name: str) -> bool:
        return bool(self.hand_set & Transaction.HAND_SET[name])


def _batches(user: User, *, size: int):
    """The user's transactions (not verification deposits) in primary-key order, `size` at a time."""
    last = None
    while True:
        rows = Transaction.objects.filter(user=user).exclude(category=Category.VERIFICATION).order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = [_Row(*values) for values in rows.values_list(*_Row.__slots__)[:size]]
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def rules_run_over_history(
    *, user: User, rules: Sequence[rule_engine.CompiledRule], dry_run: bool, batch_size: int = APPLY_BATCH
) -> ApplyResult:
    """Run `rules` over every transaction of the user, batch by batch (flat memory). Without `dry_run` each
    batch's changes are written with one UPDATE per distinct change, and the daily sums are rebuilt once at
    the end: all of them if a category moved, the insights' flows (kept per merchant) if only a merchant or
    description did. Fields set by hand are never changed."""
    result = ApplyResult()
    categories_moved = merchants_moved = False
    for batch in _batches(user, size=batch_size):
        changed: list[tuple[_Row, dict[str, str]]] = []
        for txn in batch:
            outcome = rule_engine.run_rules(rules, txn, locked=_locked(txn))
            if not outcome.matched:
                continue
            result.matched += 1
            real = {k: v for k, v in outcome.changes.items() if getattr(txn, k) != v}
            if real:
                categories_moved |= "category" in real
                merchants_moved |= not real.keys().isdisjoint(("merchant_name", "description"))
                changed.append((txn, real))
        result.changed += len(changed)
        if changed and not dry_run:
            _write(changed)
    if not dry_run and result.changed:
        if categories_moved:
            spending_rebuild(user=user)
        elif merchants_moved:
            flow_rebuild(user=user)
        user_data_changed(user.pk)  # a bulk write: no model signal tells the caches
    return result


def _write(changed: list[tuple["_Row", dict[str, str]]]) -> None:
    """One UPDATE per distinct change (most rules set one category for many rows), each leaving out rows
    a person has since set by hand: their edit wins over a run that read the row before it."""
    groups: dict[tuple, list] = defaultdict(list)
    for txn, real in changed:
        groups[tuple(sorted(real.items()))].append(txn.pk)
    with transaction.atomic():
        for items, ids in groups.items():
            mask = sum(Transaction.HAND_SET[name] for name, _ in items)
            Transaction.objects.filter(pk__in=ids).annotate(locked=F("hand_set").bitand(mask)).filter(locked=0).update(
                **dict(items), updated_at=timezone.now()
            )


def rule_apply_existing(*, user: User, rule: Rule, dry_run: bool, request: HttpRequest | None = None) -> ApplyResult:
    """Run one rule over the user's existing transactions: how many it matches and changes (or would)."""
    result = rules_run_over_history(user=user, rules=[rule.compiled()], dry_run=dry_run)
    if not dry_run:
        Rule.objects.filter(pk=rule.pk).update(
            last_applied_at=timezone.now(), last_matched=result.matched, last_changed=result.changed
        )
        audit_log(
            action="rule.applied",
            user=user,
            request=request,
            details={"rule_id": str(rule.pk), "name": rule.name, "matched": result.matched, "changed": result.changed},
        )
    return result


def rule_apply_requested(*, user: User, rule: Rule, dry_run: bool, request: HttpRequest | None = None) -> tuple[
    ApplyResult, bool
]:  # fmt: skip
    """ "Apply to existing": at once for a small history or a dry run; for a big history the counts of a dry
    run now and the writes by a background task. Returns the counts and whether a task was queued."""
    from banking import tasks
    from saas.background import enqueue_on_commit

    if dry_run or Transaction.objects.filter(user=user).count() <= APPLY_INLINE_LIMIT:
        return rule_apply_existing(user=user, rule=rule, dry_run=dry_run, request=request), False
    result = rule_apply_existing(user=user, rule=rule, dry_run=True)
    Rule.objects.filter(pk=rule.pk).update(apply_queued_at=timezone.now())
    enqueue_on_commit(tasks.rule_apply, rule_id=str(rule.pk))
    return result, True


def rule_apply_task(*, rule_id: str) -> str:
    """The background half of `rule_apply_requested`: claimed once (a conditional update), then run."""
    claimed = Rule.objects.filter(pk=rule_id, apply_queued_at__isnull=False).update(apply_queued_at=None)
    if not claimed:
        return "nothing queued"
    rule = Rule.objects.select_related("user").get(pk=rule_id)
    result = rule_apply_existing(user=rule.user, rule=rule, dry_run=False)
    return f"matched {result.matched}, changed {result.changed}"
