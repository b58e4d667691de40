"""Reads for banking. Every object a user asks for by id comes through one of the `get_*_for_user` helpers,
which scope the lookup to its owner (someone else's id is a 404, never a 403) and preload what the
pages show. Lists run a fixed number of queries whatever the amount of data.
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from banking.models import BankAccount, Budget, Category, DailySpending, MicroDepositVerification, Transaction
from banking.pagination import Keyset, Page, cursor_for, paginate
from billing.selectors import bank_account_limit

TRANSACTION_KEYSET = Keyset("transactions", ("transaction_date", "created_at", "id"), descending=True)
ACCOUNT_KEYSET = Keyset("bank_accounts", ("created_at", "id"), descending=False)
BUDGET_KEYSET = Keyset("budgets", ("created_at", "id"), descending=False)
EXPORT_CHUNK = 2000


# --- owner-scoped lookups -------------------------------------------------------------------------


def get_bank_account_for_user(*, user, bank_account_id) -> BankAccount:
    """The user's own bank account (with its verification), or 404."""
    try:
        return BankAccount.objects.select_related("verification").filter(user=user).get(pk=bank_account_id)
    except (BankAccount.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such bank account.") from None


def get_transaction_for_user(*, user, transaction_id) -> Transaction:
    """The user's own transaction (with its account), or 404."""
    try:
        return Transaction.objects.select_related("bank_account").filter(user=user).get(pk=transaction_id)
    except (Transaction.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such transaction.") from None


def get_budget_for_user(*, user, budget_id) -> Budget:
    """The user's own budget, or 404."""
    try:
        return Budget.objects.filter(user=user).get(pk=budget_id)
    except (Budget.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such budget.") from None


def verification_for(bank_account: BankAccount) -> MicroDepositVerification | None:
    try:
        return bank_account.verification
    except MicroDepositVerification.DoesNotExist:
        return None


# --- bank accounts --------------------------------------------------------------------------------


def bank_account_list(*, user) -> list[BankAccount]:
    """The user's accounts, oldest first; lists never need the ciphertext or the fingerprint."""
    return list(
        BankAccount.objects.filter(user=user)
        .defer("account_number_encrypted", "account_fingerprint")
        .order_by(*ACCOUNT_KEYSET.order_by())
    )


def bank_account_page(*, user, cursor: str | None, limit: int) -> Page:
    return paginate(BankAccount.objects.filter(user=user), ACCOUNT_KEYSET, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class AccountAllowance:
    count: int
    limit: int | None

    @property
    def reached(self) -> bool:
        return self.limit is not None and self.count >= self.limit


def bank_account_allowance(*, user, count: int | None = None) -> AccountAllowance:
    """How many accounts the user has linked and may link (None: no limit)."""
    if count is None:
        count = BankAccount.objects.filter(user=user).count()
    return AccountAllowance(count=count, limit=bank_account_limit(user=user))


def totals_by_currency(accounts: Iterable[BankAccount]) -> list[tuple[str, int]]:
    """Balances summed per currency (never across currencies), largest group first."""
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for account in accounts:
        totals[account.currency] += account.balance
        counts[account.currency] += 1
    return sorted(totals.items(), key=lambda item: (-counts[item[0]], item[0]))


# --- transactions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransactionFilters:
    account: Any = None  # a BankAccount id
    category: str | None = None
    type: str | None = None
    status: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str | None = None

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in self.__dict__.values())


def attach_accounts(transactions: Iterable[Transaction], accounts: Iterable[BankAccount]) -> None:
    """Give each transaction its account from a list the page loaded anyway (no join, no extra query)."""
    by_id = {a.pk: a for a in accounts}
    for txn in transactions:
        txn.bank_account = by_id[txn.bank_account_id]


def transaction_queryset(*, user, filters: TransactionFilters | None = None) -> QuerySet:
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
    *, user, filters: TransactionFilters | None = None, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of the history, newest first; raises pagination.InvalidCursor on a bad cursor."""
    return paginate(transaction_queryset(user=user, filters=filters), TRANSACTION_KEYSET, cursor=cursor, limit=limit)


def transaction_cursor_at(*, user, position: int, filters: TransactionFilters | None = None) -> str | None:
    """The cursor of the page whose first row is number `position` (0-based) of the history.

    For tools and benchmarks that need "page 2,000" directly; it costs one OFFSET query, which the pages
    themselves never run. `position == page_number * page_size` lands on the start of a page.
    """
    if position <= 0:
        return None
    row = (
        transaction_queryset(user=user, filters=filters)
        .order_by(*TRANSACTION_KEYSET.order_by())
        .only(*TRANSACTION_KEYSET.fields)[position - 1 : position]
        .first()
    )
    return cursor_for(TRANSACTION_KEYSET, row) if row is not None else None


def recent_transactions(
    *, user, accounts: list[BankAccount], limit: int = 8, bank_account: BankAccount | None = None
) -> list[Transaction]:
    """The newest transactions (of one account, or all), with their accounts taken from `accounts`."""
    qs = Transaction.objects.filter(user=user)
    if bank_account is not None:
        qs = qs.filter(bank_account=bank_account)
    rows = list(qs.order_by(*TRANSACTION_KEYSET.order_by())[:limit])
    attach_accounts(rows, accounts)
    return rows


@dataclass(frozen=True)
class CategorySpend:
    category: str
    label: str
    amount: int


def _spending_sums(
    *, user, period: tuple[datetime.date, datetime.date] | None = None, progress: list["BudgetProgress"] = ()
) -> dict[tuple[str, str], int]:
    """One GROUP BY query over DailySpending: per (currency, category) the spending in `period`, and each
    budget's spending in its own period added to its `spent`.

    The database adds up, so a handful of rows come back whatever the history's size. It is written as SQL
    because the ORM spent several times the query's own run time compiling one filtered Sum per budget
    on the dashboard, the site's busiest signed-in page.
    """
    ranges = ([period] if period is not None else []) + [(p.period_start, p.period_end) for p in progress]
    if not ranges:
        return {}
    ops = connection.ops
    day = ops.adapt_datefield_value
    columns, params = [], []
    if period is not None:
        columns.append("SUM(amount) FILTER (WHERE day BETWEEN %s AND %s)")
        params += [day(period[0]), day(period[1])]
    for p in progress:
        columns.append("SUM(amount) FILTER (WHERE category = %s AND currency = %s AND day BETWEEN %s AND %s)")
        params += [p.budget.category, p.budget.currency, day(p.period_start), day(p.period_end)]
    user_id = DailySpending._meta.get_field("user").target_field.get_db_prep_value(user.pk, connection)
    params += [user_id, day(min(start for start, _ in ranges)), day(max(end for _, end in ranges))]
    sql = (
        f"SELECT category, currency, {', '.join(columns)} FROM {ops.quote_name(DailySpending._meta.db_table)} "  # noqa: S608 - fixed SQL, values are parameters
        "WHERE user_id = %s AND day BETWEEN %s AND %s GROUP BY category, currency"
    )
    totals: dict[tuple[str, str], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for category, currency, *sums in cursor.fetchall():
            if period is not None:
                in_period = sums.pop(0)
                if in_period:
                    totals[(currency, category)] = int(in_period)
            for p, spent in zip(progress, sums, strict=True):
                p.spent += int(spent or 0)
    return totals


def _by_category(totals: dict[tuple[str, str], int]) -> dict[str, list[CategorySpend]]:
    labels = dict(Category.choices)
    result: dict[str, list[CategorySpend]] = defaultdict(list)
    for (currency, category), total in totals.items():
        if total > 0:
            result[currency].append(CategorySpend(category, labels.get(category, category), total))
    for spends in result.values():
        spends.sort(key=lambda s: (-s.amount, s.category))
    return dict(sorted(result.items(), key=lambda item: -sum(s.amount for s in item[1])))


def spending_by_category(*, user, start: datetime.date, end: datetime.date) -> dict[str, list[CategorySpend]]:
    """Per currency, the categories' spending in the range, biggest first (one query)."""
    return _by_category(_spending_sums(user=user, period=(start, end)))


# --- budgets --------------------------------------------------------------------------------------


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def budget_period(budget: Budget, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The calendar week (Monday first), month or year that holds today, clipped to the budget's dates.

    Before the budget starts it is its first period; after it ends, its last.
    """
    today = today or timezone.localdate()
    anchor = max(today, budget.start_date)
    if budget.end_date:
        anchor = min(anchor, budget.end_date)
    if budget.period == Budget.Period.WEEKLY:
        start = anchor - datetime.timedelta(days=anchor.weekday())
        end = start + datetime.timedelta(days=6)
    elif budget.period == Budget.Period.YEARLY:
        start, end = datetime.date(anchor.year, 1, 1), datetime.date(anchor.year, 12, 31)
    else:
        start, end = month_bounds(anchor)
    start = max(start, budget.start_date)
    if budget.end_date:
        end = min(end, budget.end_date)
    return start, end


@dataclass
class BudgetProgress:
    budget: Budget
    period_start: datetime.date
    period_end: datetime.date
    spent: int = 0

    @property
    def remaining(self) -> int:
        return self.budget.amount - self.spent

    @property
    def percent_used(self) -> int:
        return self.spent * 100 // self.budget.amount if self.budget.amount else 0

    @property
    def over_by(self) -> int:
        return max(0, self.spent - self.budget.amount)

    @property
    def is_over(self) -> bool:
        return self.spent > self.budget.amount

    @property
    def progress_value(self) -> int:
        """What a <progress max=amount> shows: capped so an over-budget bar is simply full."""
        return min(self.spent, self.budget.amount)


def budget_progress(*, user, budgets: list[Budget], today: datetime.date | None = None) -> list[BudgetProgress]:
    """Spending in each budget's current period, in one aggregate query (none without budgets)."""
    today = today or timezone.localdate()
    progress = [BudgetProgress(b, *budget_period(b, today)) for b in budgets]
    _spending_sums(user=user, progress=progress)
    return progress


def budget_list(*, user, active_only: bool = False) -> list[Budget]:
    qs = Budget.objects.filter(user=user)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by(*BUDGET_KEYSET.order_by()))


def budget_page(*, user, cursor: str | None, limit: int) -> Page:
    page = paginate(Budget.objects.filter(user=user), BUDGET_KEYSET, cursor=cursor, limit=limit)
    page.items = budget_progress(user=user, budgets=page.items)
    return page


# --- dashboard ------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    accounts: list[BankAccount]
    totals: list[tuple[str, int]]
    month_start: datetime.date
    month_end: datetime.date
    spending: dict[str, list[CategorySpend]]
    budgets: list[BudgetProgress]
    recent: list[Transaction]


def dashboard_summary(*, user, today: datetime.date | None = None) -> Dashboard:
    """Everything the overview shows, in four queries whatever the data size: accounts, budgets, the
    spending rows of this month and of the budgets' periods (together), recent transactions."""
    today = today or timezone.localdate()
    accounts = bank_account_list(user=user)
    month_start, month_end = month_bounds(today)
    progress = [BudgetProgress(b, *budget_period(b, today)) for b in budget_list(user=user, active_only=True)]
    month_totals = _spending_sums(user=user, period=(month_start, month_end), progress=progress)
    return Dashboard(
        accounts=accounts,
        totals=totals_by_currency(accounts),
        month_start=month_start,
        month_end=month_end,
        spending=_by_category(month_totals),
        budgets=progress,
        recent=recent_transactions(user=user, accounts=accounts, limit=8),
    )


# --- chart ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartBar:
    label: str
    amount: int
    swatch: int
    y: int
    width: int
    label_y: int
    value_x: int


def bar_chart(spends: list[CategorySpend], *, width: int = 420, max_bars: int = 8) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (SVG attributes only: the CSP forbids inline styles).

    Beyond `max_bars` categories the smallest are folded into "Everything else".
    """
    items = list(spends)
    if len(items) > max_bars:
        rest = sum(s.amount for s in items[max_bars - 1 :])
        items = [*items[: max_bars - 1], CategorySpend("rest", "Everything else", rest)]
    label_width, value_width, bar_height, gap = 112, 92, 20, 10
    track = width - label_width - value_width
    biggest = max((s.amount for s in items), default=0) or 1
    bars = []
    for i, spend in enumerate(items):
        y = i * (bar_height + gap)
        bar_width = max(2, round(track * spend.amount / biggest))
        bars.append(
            ChartBar(
                label=spend.label,
                amount=spend.amount,
                swatch=i % 8,
                y=y,
                width=bar_width,
                label_y=y + bar_height // 2 + 4,
                value_x=label_width + bar_width + 8,
            )
        )
    return {
        "bars": bars,
        "width": width,
        "height": max(1, len(bars) * (bar_height + gap) - gap),
        "bar_height": bar_height,
        "bar_x": label_width,
        "total": sum(s.amount for s in items),
    }


# --- data export ----------------------------------------------------------------------------------


def serialize_bank_account(account: BankAccount) -> dict[str, Any]:
    """The API's bank account object: never the full number."""
    return {
        "id": str(account.pk),
        "bank_name": account.bank_name,
        "nickname": account.nickname,
        "account_type": account.account_type,
        "currency": account.currency,
        "last4": account.last4,
        "routing_number": account.routing_number,
        "status": account.status,
        "is_verified": account.is_verified,
        "verification_method": account.verification_method or None,
        "balance": account.balance,
        "created_at": account.created_at.isoformat(),
    }


def serialize_transaction(txn: Transaction) -> dict[str, Any]:
    return {
        "id": str(txn.pk),
        "bank_account_id": str(txn.bank_account_id),
        "amount": txn.amount,
        "signed_amount": txn.signed_amount,
        "currency": txn.currency,
        "type": txn.type,
        "status": txn.status,
        "description": txn.description,
        "category": txn.category,
        "merchant_name": txn.merchant_name,
        "transaction_date": txn.transaction_date.isoformat(),
        "posting_date": txn.posting_date.isoformat() if txn.posting_date else None,
        "external_id": txn.external_id or None,
        "transfer_pair_id": str(txn.transfer_pair_id) if txn.transfer_pair_id else None,
        "created_at": txn.created_at.isoformat(),
    }


def serialize_budget(budget: Budget, progress: BudgetProgress | None = None) -> dict[str, Any]:
    data = {
        "id": str(budget.pk),
        "name": budget.name,
        "category": budget.category,
        "amount": budget.amount,
        "currency": budget.currency,
        "period": budget.period,
        "start_date": budget.start_date.isoformat(),
        "end_date": budget.end_date.isoformat() if budget.end_date else None,
        "is_active": budget.is_active,
    }
    if progress is not None:
        data.update(
            {
                "period_start": progress.period_start.isoformat(),
                "period_end": progress.period_end.isoformat(),
                "spent": progress.spent,
                "remaining": progress.remaining,
                "percent_used": progress.percent_used,
            }
        )
    return data


def _export_transactions(user) -> Iterator[dict[str, Any]]:
    qs = Transaction.objects.filter(user=user).order_by(*TRANSACTION_KEYSET.order_by())
    for txn in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield serialize_transaction(txn)


def _export_accounts(user) -> Iterator[dict[str, Any]]:
    qs = BankAccount.objects.filter(user=user).order_by(*ACCOUNT_KEYSET.order_by())
    for account in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield serialize_bank_account(account)


def _export_budgets(user) -> Iterator[dict[str, Any]]:
    qs = Budget.objects.filter(user=user).order_by(*BUDGET_KEYSET.order_by())
    for budget in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield serialize_budget(budget)


def export_sections(*, user) -> Iterator[tuple[str, Iterable[dict[str, Any]]]]:
    """The user's banking data for their data export: (section name, lazy rows), no full account numbers."""
    yield "bank_accounts", _export_accounts(user)
    yield "transactions", _export_transactions(user)
    yield "budgets", _export_budgets(user)


def account_transaction_counts(*, user) -> dict[Any, int]:
    """How many transactions each account holds (one grouped query), for the removal warning."""
    rows = Transaction.objects.filter(user=user).order_by().values("bank_account_id").annotate(n=Count("id"))
    return {row["bank_account_id"]: row["n"] for row in rows}
