"""Reads for rules: the user's rules, one by id (another user's is a 404), and the preview of what a rule
being edited matches among the newest transactions."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import User
from banking import rule_engine
from banking.models import Category, Rule, Transaction
from banking.pagination import Keyset, Page, paginate
from banking.selectors.transactions import TRANSACTION_KEYSET

RULE_KEYSET = Keyset("rules", ("priority", "created_at", "id"), descending=False)
# The preview reads at most this many of the newest transactions, however long the history.
PREVIEW_SCAN = 20000
PREVIEW_SAMPLE = 5


def get_rule_for_user(*, user: User, rule_id: Any) -> Rule:
    try:
        return Rule.objects.filter(user=user).get(pk=rule_id)
    except (Rule.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No rule with that id.") from None


def rule_list(*, user: User) -> list[Rule]:
    """The user's rules in the order they run."""
    return list(Rule.objects.filter(user=user).order_by(*RULE_KEYSET.order_by()))


def rule_page(*, user: User, cursor: str | None, limit: int) -> Page:
    return paginate(Rule.objects.filter(user=user), RULE_KEYSET, cursor=cursor, limit=limit)


@dataclass
class RulePreview:
    matched: int = 0
    scanned: int = 0
    capped: bool = False  # the history is longer than what was scanned
    sample: list[tuple[Transaction, dict[str, str]]] = field(default_factory=list)


def rule_preview(*, user: User, rule: Rule) -> RulePreview:
    """How many of the user's newest transactions `rule` (validated, maybe unsaved) matches, and a few of
    them with what it would set. Fields set by hand show no change."""
    compiled = [rule.compiled()]
    preview = RulePreview()
    rows = (
        Transaction.objects.filter(user=user)
        .exclude(category=Category.VERIFICATION)
        .order_by(*TRANSACTION_KEYSET.order_by())
        .only(
            "id",
            "bank_account_id",
            "amount",
            "signed_amount",
            "currency",
            "type",
            "description",
            "merchant_name",
            "category",
            "hand_set",
            "transaction_date",
            "created_at",
        )  # fmt: skip
    )
    for txn in rows[: PREVIEW_SCAN + 1].iterator(chunk_size=2000):
        if preview.scanned == PREVIEW_SCAN:
            preview.capped = True
            break
        preview.scanned += 1
        outcome = rule_engine.run_rules(
            compiled, txn, locked={name for name in Transaction.HAND_SET if txn.is_hand_set(name)}
        )
        if outcome.matched:
            preview.matched += 1
            if len(preview.sample) < PREVIEW_SAMPLE:
                changes = {k: v for k, v in outcome.changes.items() if getattr(txn, k) != v}
                preview.sample.append((txn, changes))
    return preview
