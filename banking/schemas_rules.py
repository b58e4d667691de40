"""Schemas of the categories, rules, recurring payments and alert settings API. They parse; the models and
services decide what is valid (banking.rule_engine for conditions and actions)."""

import datetime
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from banking.models import CategoryKind, RecurringSeries
from banking.schemas import TransactionOut
from saas.schemas import Text

Priority = Field(ge=0, le=1_000_000)


class _Patch(Schema):
    model_config = ConfigDict(extra="forbid")


# --- categories -------------------------------------------------------------------------------------------


class CategoryOut(Schema):
    slug: str
    name: str
    kind: str
    color: str
    is_default: bool


class CategoryOne(Schema):
    category: CategoryOut


class CategoryList(Schema):
    categories: list[CategoryOut]
    next_cursor: str | None = None


class CategoryIn(Schema):
    name: Text
    kind: CategoryKind = CategoryKind.EXPENSE
    color: Text | None = None


class CategoryPatch(_Patch):
    name: Text = None  # type: ignore[assignment]
    kind: CategoryKind = None  # type: ignore[assignment]
    color: Text = None  # type: ignore[assignment]


class CategoryDeleted(Schema):
    moved: dict[str, int]


# --- rules ------------------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: uuid.UUID
    name: str
    priority: int
    is_active: bool
    match: str
    conditions: list[dict[str, Any]]
    actions: dict[str, str]
    is_default: bool
    last_applied_at: datetime.datetime | None
    created_at: datetime.datetime


class RuleOne(Schema):
    rule: RuleOut


class RuleList(Schema):
    rules: list[RuleOut]
    next_cursor: str | None


class RuleIn(Schema):
    """`conditions`: [{"field", "op", "value"}]; `actions`: {"category"?, "merchant_name"?, "description"?}."""

    name: Text
    conditions: list[Any]
    actions: dict[str, Any]
    match: Literal["all", "any"] = "all"
    priority: StrictInt = Field(default=100, ge=0, le=1_000_000)
    is_active: StrictBool = True


class RulePatch(_Patch):
    name: Text = None  # type: ignore[assignment]
    conditions: list[Any] = None  # type: ignore[assignment]
    actions: dict[str, Any] = None  # type: ignore[assignment]
    match: Literal["all", "any"] = None  # type: ignore[assignment]
    priority: StrictInt = Field(default=None, ge=0, le=1_000_000)  # type: ignore[assignment]
    is_active: StrictBool = None  # type: ignore[assignment]


class RuleApplyIn(Schema):
    dry_run: StrictBool = False


class RuleApplyOut(Schema):
    """What the rule matches and changes (or would, with `dry_run`). `status` is `queued` when a big history
    is changed by a background task: the counts are then what it will change."""

    matched: int
    changed: int
    dry_run: bool
    status: Literal["done", "queued"]


class RuleSuggestion(Schema):
    """What "Always put <merchant> in <category>" would create: POST it to /api/rules."""

    name: str
    conditions: list[dict[str, Any]]
    actions: dict[str, str]


# --- recurring --------------------------------------------------------------------------------------------


class RecurringOut(Schema):
    id: uuid.UUID
    merchant_name: str
    description: str
    bank_account_id: uuid.UUID
    amount: int
    currency: str
    cadence: str
    last_date: datetime.date
    next_date: datetime.date
    status: str
    missed: bool

    @staticmethod
    def resolve_missed(obj: RecurringSeries) -> bool:
        return obj.is_missed()


class RecurringOne(Schema):
    recurring: RecurringOut


class RecurringList(Schema):
    recurring: list[RecurringOut]
    next_cursor: str | None


class RecurringQuery(Schema):
    status: Literal["suggested", "confirmed", "dismissed"] | None = None


class RecurringPatch(_Patch):
    status: Literal["confirmed", "dismissed"]


# --- alert settings ---------------------------------------------------------------------------------------


class LowBalanceOut(Schema):
    bank_account_id: uuid.UUID
    below: int


class AlertSettingsOut(Schema):
    budget_thresholds: list[int]
    low_balance: list[LowBalanceOut]
    bill_due_days: int | None
    large_transaction_over: dict[str, int]
    email: bool


class AlertSettingsOne(Schema):
    alert_settings: AlertSettingsOut


class AlertSettingsPatch(_Patch):
    budget_thresholds: list[Any] = None  # type: ignore[assignment]
    low_balance: list[Any] = None  # type: ignore[assignment]
    bill_due_days: StrictInt | None = None
    large_transaction_over: dict[str, Any] = None  # type: ignore[assignment]
    email: StrictBool = None  # type: ignore[assignment]


class TransactionChanged(Schema):
    """A changed transaction; when its category changed, the rule that would file its merchant there always."""

    transaction: TransactionOut
    suggested_rule: RuleSuggestion | None = None
