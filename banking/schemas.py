"""The banking API's schemas: what the JSON answers look like (also used by the data export), and what
requests may send. Input schemas parse; the models and services decide what is valid."""

import datetime
import uuid
from typing import TYPE_CHECKING, Literal

from ninja import Schema
from pydantic import ConfigDict, StrictBool, StrictInt, field_validator

from banking.identifiers import Scheme
from banking.models import BankAccount, Budget, Category, Transaction
from saas.schemas import IsoDate, MinorUnits, Text

if TYPE_CHECKING:
    from banking.selectors.budgets import BudgetProgress

# --- answers --------------------------------------------------------------------------------------


class BankAccountOut(Schema):
    """A bank account: never the full account number or IBAN."""

    id: uuid.UUID
    bank_name: str
    nickname: str
    account_type: str
    currency: str
    country: str | None
    scheme: str
    last4: str | None
    routing_number: str | None
    bic: str | None
    status: str
    is_verified: bool
    verification_method: str
    balance: int
    opening_balance: int
    opening_balance_date: datetime.date | None
    created_at: datetime.datetime
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_country(obj: BankAccount) -> str | None:
        return obj.country or None

    @staticmethod
    def resolve_last4(obj: BankAccount) -> str | None:
        return obj.last4 or None

    @staticmethod
    def resolve_routing_number(obj: BankAccount) -> str | None:
        return obj.routing_number if obj.scheme == BankAccount.Scheme.US_ACH else None

    @staticmethod
    def resolve_bic(obj: BankAccount) -> str | None:
        return obj.bic or None


class TransactionOut(Schema):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    amount: int
    signed_amount: int
    currency: str
    type: str
    status: str
    description: str
    category: str
    merchant_name: str
    transaction_date: datetime.date
    posting_date: datetime.date | None
    external_id: str | None
    transfer_pair_id: uuid.UUID | None
    import_id: uuid.UUID | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_import_id(obj: Transaction) -> uuid.UUID | None:
        return obj.bank_import_id

    @staticmethod
    def resolve_external_id(obj: Transaction) -> str | None:
        return obj.external_id or None


class BudgetOut(Schema):
    id: uuid.UUID
    name: str
    category: str
    amount: int
    currency: str
    period: str
    start_date: datetime.date
    end_date: datetime.date | None
    is_active: bool
    rollover: bool
    period_start_day: int | None


class BudgetProgressOut(BudgetOut):
    """A budget with what was spent in its current period; `carried_over` is what earlier periods left
    (negative: overspent) when `rollover` is on, and `remaining` counts it; `percent_used` is `spent` against
    the limit plus what was carried over (100 when overspending left nothing)."""

    period_start: datetime.date
    period_end: datetime.date
    carried_over: int
    spent: int
    remaining: int
    percent_used: int

    @classmethod
    def of(cls, progress: "BudgetProgress") -> "BudgetProgressOut":
        base = BudgetOut.from_orm(progress.budget).model_dump()
        return cls(
            **base,
            period_start=progress.period_start,
            period_end=progress.period_end,
            carried_over=progress.carried_over,
            spent=progress.spent,
            remaining=progress.remaining,
            percent_used=progress.percent_used,
        )


class BankAccountOne(Schema):
    bank_account: BankAccountOut


class BankAccountList(Schema):
    bank_accounts: list[BankAccountOut]
    next_cursor: str | None


class TransactionOne(Schema):
    transaction: TransactionOut


class TransactionList(Schema):
    transactions: list[TransactionOut]
    next_cursor: str | None


class TransferOut(Schema):
    transfer_pair_id: uuid.UUID
    transactions: list[TransactionOut]


class CurrencyFlowOut(Schema):
    currency: str
    income: int
    expenses: int
    net: int


class TransactionSummaryOut(Schema):
    count: int
    totals: list[CurrencyFlowOut]


class BudgetOne(Schema):
    budget: BudgetProgressOut


class BudgetList(Schema):
    budgets: list[BudgetProgressOut]
    next_cursor: str | None


# --- requests -------------------------------------------------------------------------------------


class _Patch(Schema):
    """A partial change: only the fields sent are changed; a field that cannot change is an error."""

    model_config = ConfigDict(extra="forbid")


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class BankAccountIn(Schema):
    """The identifier of one scheme (which one follows from the fields sent, or `scheme`), or none for cash."""

    account_type: BankAccount.AccountType
    bank_name: Text = ""
    nickname: Text = ""
    currency: str | None = None
    country: str | None = None
    scheme: Scheme | None = None
    account_number: str | None = None
    routing_number: str | None = None
    iban: str | None = None
    bic: str | None = None
    sort_code: str | None = None
    opening_balance: MinorUnits = 0
    opening_balance_date: IsoDate | None = None

    _codes = field_validator("currency", "country", mode="before")(_upper)

    @field_validator("account_number", "routing_number", "iban", "bic", "sort_code", mode="before")
    @classmethod
    def _strict_text(cls, value: object) -> object:
        # A number sent as a JSON number loses its leading zeros: only text is an account number.
        if value is not None and not isinstance(value, str):
            raise ValueError("Send this number as text, in quotes.")
        return value


class BankAccountPatch(_Patch):
    nickname: Text = None  # type: ignore[assignment]
    bank_name: Text = None  # type: ignore[assignment]
    opening_balance: MinorUnits = None  # type: ignore[assignment]
    opening_balance_date: IsoDate | None = None
    status: Literal["closed", "active"] = None  # type: ignore[assignment]


class VerifyIn(Schema):
    amounts: list[StrictInt]


class TransactionIn(Schema):
    bank_account_id: uuid.UUID
    amount: MinorUnits
    type: Transaction.Type
    transaction_date: IsoDate
    description: Text
    status: Transaction.Status = Transaction.Status.COMPLETED
    category: Text = Category.OTHER
    merchant_name: Text = ""
    posting_date: IsoDate | None = None
    external_id: Text = ""


class TransactionPatch(_Patch):
    amount: MinorUnits = None  # type: ignore[assignment]
    type: Transaction.Type = None  # type: ignore[assignment]
    status: Transaction.Status = None  # type: ignore[assignment]
    description: Text = None  # type: ignore[assignment]
    category: Text = None  # type: ignore[assignment]
    merchant_name: Text = None  # type: ignore[assignment]
    transaction_date: IsoDate = None  # type: ignore[assignment]
    posting_date: IsoDate | None = None
    external_id: Text = None  # type: ignore[assignment]


class TransferIn(Schema):
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: MinorUnits
    transaction_date: IsoDate
    description: Text = ""
    to_amount: MinorUnits | None = None


class BudgetIn(Schema):
    name: Text
    category: str
    amount: MinorUnits
    currency: str = "USD"
    period: Budget.Period = Budget.Period.MONTHLY
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    is_active: StrictBool = True
    rollover: StrictBool = False
    period_start_day: StrictInt | None = None

    _currency = field_validator("currency", mode="before")(_upper)


class BudgetPatch(_Patch):
    name: Text = None  # type: ignore[assignment]
    category: str = None  # type: ignore[assignment]
    amount: MinorUnits = None  # type: ignore[assignment]
    currency: str = None  # type: ignore[assignment]
    period: Budget.Period = None  # type: ignore[assignment]
    start_date: IsoDate = None  # type: ignore[assignment]
    end_date: IsoDate | None = None
    is_active: StrictBool = None  # type: ignore[assignment]
    rollover: StrictBool = None  # type: ignore[assignment]
    period_start_day: StrictInt | None = None

    _currency = field_validator("currency", mode="before")(_upper)


class TransactionQuery(Schema):
    """The history's filters, as query parameters."""

    account: uuid.UUID | None = None
    category: Text | None = None
    type: Transaction.Type | None = None
    status: Transaction.Status | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    q: Text | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
