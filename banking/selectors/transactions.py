"""Reads for the transaction history: filters, keyset pages, the newest rows."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from banking.models import BankAccount, Category, Transaction
from banking.pagination import Keyset, Page, paginate
from banking.selectors.bank_accounts import bank_account_list
from banking.selectors.categories import category_list, remember_categories

TRANSACTION_KEYSET = Keyset("transactions", ("transaction_date", "created_at", "id"), descending=True)


def get_transaction_for_user(*, user: User, transaction_id: Any) -> Transaction:
    """The user's own transaction (with its account), or 404."""
    try:
        return Transaction.objects.select_related("bank_account").filter(user=user).get(pk=transaction_id)
    except (Transaction.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No transaction with that id.") from None


@dataclass(frozen=True)
class TransactionFilters:
    """What the history is narrowed to; the same for the page, the API and the CSV export."""

    account: Any = None  # a BankAccount id, already checked to be the user's
    category: str | None = None
    type: str | None = None
    status: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValidationError({"date_to": ["The end date is before the start date: pick a later end date."]})

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "") for f in fields(self))


HISTORY_LISTS_SECONDS = 600


def history_lists(*, user: User) -> tuple[list[BankAccount], list[Category]]:
    """The user's accounts and categories, which the history page shows beside its rows (the filter's
    choices, each row's account and category name): one read of the shared cache instead of two queries.

    Cached under the user's data version, which every write to an account or a category moves on in its
    own transaction (banking.signals, the category services), like the dashboard's HTML.
    """
    key = f"banking:history-lists:{user.pk}:{user.data_version}"
    lists = cache.get(key)
    if lists is None:
        lists = (bank_account_list(user=user), category_list(user=user))
        cache.set(key, lists, HISTORY_LISTS_SECONDS)
    else:
        remember_categories(user, lists[1])
    return lists


def attach_accounts(transactions: Iterable[Transaction], accounts: Iterable[BankAccount]) -> None:
    """Give each transaction its account from a list the page loaded anyway (no join, no extra query)."""
    by_id = {a.pk: a for a in accounts}
    for txn in transactions:
        txn.bank_account = by_id[txn.bank_account_id]


def transaction_queryset(*, user: User, filters: TransactionFilters | None = None) -> QuerySet[Transaction]:
    """The user's transactions, filtered. Pages attach the accounts with `attach_accounts`."""
    qs = Transaction.objects.filter(user=user)
    f = filters or TransactionFilters()
    if f.account:
        qs = qs.filter(bank_account_id=f.account)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.date_from:
        qs = qs.filter(transaction_date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(transaction_date__lte=f.date_to)
    if f.q:
        qs = qs.filter(Q(description__icontains=f.q) | Q(merchant_name__icontains=f.q))
    return qs


def transaction_page(
    *, user: User, filters: TransactionFilters | None = None, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of the history, newest first; raises pagination.InvalidCursor on a bad cursor."""
    return paginate(transaction_queryset(user=user, filters=filters), TRANSACTION_KEYSET, cursor=cursor, limit=limit)


def recent_transactions(
    *, user: User, accounts: list[BankAccount], limit: int = 8, bank_account: BankAccount | None = None
) -> list[Transaction]:
    """The newest transactions (of one account, or all), with their accounts taken from `accounts`."""
    qs = Transaction.objects.filter(user=user)
    if bank_account is not None:
        qs = qs.filter(bank_account=bank_account)
    rows = list(qs.order_by(*TRANSACTION_KEYSET.order_by())[:limit])
    attach_accounts(rows, accounts)
    return rows
