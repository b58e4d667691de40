"""Reads for the transaction history: filters, keyset pages, the newest rows."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
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


@dataclass(frozen=True)
class CurrencyFlow:
    """Money in and out in one currency, both positive minor units; `net` is what came in less what went out."""

    currency: str
    income: int
    expenses: int

    @property
    def net(self) -> int:
        return self.income - self.expenses


@dataclass(frozen=True)
class TransactionSummary:
    count: int
    totals: list[CurrencyFlow]


def transaction_summary(*, user: User, filters: TransactionFilters | None = None) -> TransactionSummary:
    """How many transactions the filters keep, and per currency (never added across) their income, expenses and
    net, in one aggregate query.

    Income is money in and expenses money out, pending included, as the overview counts spending; neither
    counts failed transactions, transfers between the user's own accounts, the verification deposits, nor
    anything filed under a category of the transfer kind (such as a card payment from another bank).
    """
    neither = Category.objects.filter(user=user, kind=Category.Kind.TRANSFER).values("slug")
    counted = Q(transfer_pair_id__isnull=True) & ~Q(type=Transaction.Type.TRANSFER)
    counted &= ~Q(status=Transaction.Status.FAILED) & ~Q(category=Category.VERIFICATION) & ~Q(category__in=neither)
    rows = (
        transaction_queryset(user=user, filters=filters)
        .order_by()
        .values("currency")
        .annotate(
            rows=Count("pk"),
            income=Sum("amount", filter=counted & Q(signed_amount__gt=0), default=0),
            expenses=Sum("amount", filter=counted & Q(signed_amount__lt=0), default=0),
        )
        .order_by("currency")
    )
    totals, count = [], 0
    for row in rows:
        count += row["rows"]
        totals.append(CurrencyFlow(row["currency"], int(row["income"]), int(row["expenses"])))
    return TransactionSummary(count=count, totals=totals)


def transaction_page(
    *, user: User, filters: TransactionFilters | None = None, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of the history, newest first; raises pagination.InvalidCursor on a bad cursor."""
    return paginate(transaction_queryset(user=user, filters=filters), TRANSACTION_KEYSET, cursor=cursor, limit=limit)


EXPORT_BATCH = 2000


def transaction_rows(
    *, user: User, filters: TransactionFilters | None = None, batch_size: int = EXPORT_BATCH
) -> Iterator[Transaction]:
    """Every transaction the filters keep, newest first like the history, read in keyset batches of
    `batch_size`: memory stays flat however long the history, and no database cursor stays open between
    batches while a response streams them."""
    queryset = transaction_queryset(user=user, filters=filters).order_by(*TRANSACTION_KEYSET.order_by())
    position = Tuple(*(F(name) for name in TRANSACTION_KEYSET.fields))
    after: tuple | None = None
    while True:
        batch = list((queryset if after is None else queryset.filter(TupleLessThan(position, after)))[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        after = tuple(getattr(batch[-1], name) for name in TRANSACTION_KEYSET.fields)


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
