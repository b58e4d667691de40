"""Banking's part of the user's data export: the API's own shapes, read in batches (flat memory)."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from ninja import Schema

from accounts.models import User
from banking.models import BankAccount, Budget, Transaction
from banking.schemas import BankAccountOut, BudgetOut, TransactionOut
from banking.selectors.bank_accounts import ACCOUNT_KEYSET
from banking.selectors.budgets import BUDGET_KEYSET
from banking.selectors.transactions import TRANSACTION_KEYSET

EXPORT_CHUNK = 2000


def _rows(queryset: QuerySet, schema: type[Schema]) -> Iterator[dict[str, Any]]:
    for obj in queryset.iterator(chunk_size=EXPORT_CHUNK):
        yield schema.from_orm(obj).model_dump(mode="json")


def export_sections(*, user: User) -> Iterator[tuple[str, Iterable[dict[str, Any]]]]:
    """The user's banking data for their data export: (section name, lazy rows), no full account numbers."""
    accounts = BankAccount.objects.filter(user=user).defer("account_number_encrypted", "account_fingerprint")
    yield "bank_accounts", _rows(accounts.order_by(*ACCOUNT_KEYSET.order_by()), BankAccountOut)
    yield (
        "transactions",
        _rows(Transaction.objects.filter(user=user).order_by(*TRANSACTION_KEYSET.order_by()), TransactionOut),
    )
    yield "budgets", _rows(Budget.objects.filter(user=user).order_by(*BUDGET_KEYSET.order_by()), BudgetOut)
    yield from categorisation_sections(user=user)


def categorisation_sections(*, user: User) -> Iterator[tuple[str, Iterable[dict[str, Any]]]]:
    """The user's categories, rules, recurring payments and alert settings."""
    from banking.models import AlertSettings, Category, RecurringSeries, Rule
    from banking.schemas_rules import AlertSettingsOut, CategoryOut, RecurringOut, RuleOut

    yield "categories", _rows(Category.objects.filter(user=user).order_by("slug"), CategoryOut)
    yield "rules", _rows(Rule.objects.filter(user=user).order_by("priority", "created_at", "id"), RuleOut)
    yield "recurring", _rows(RecurringSeries.objects.filter(user=user).order_by("created_at", "id"), RecurringOut)
    yield "alert_settings", _rows(AlertSettings.objects.filter(user=user), AlertSettingsOut)
