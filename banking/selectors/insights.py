"""Insights for subscribers: spending by category and month, cash flow, net worth, merchants, the largest
transactions. Everything is read from the DailyFlow sums (banking.models.insights) in a fixed number of
queries whatever the history's size; only the largest transactions come from the transactions themselves,
through an index that hands them over biggest first.

What counts is decided by the category's kind, as everywhere else (banking.models.categories): spending is
the debits of expense categories less their credits (refunds), income the credits of income categories less
their debits; transfer categories, transfers between the user's own accounts and verification deposits are
neither. Amounts are per currency, never summed across currencies.
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User
from banking.models import INCOME_KIND, SPENDING_KIND, BankAccount, Category, DailyFlow, Transaction
from banking.money import CURRENCY_CODES
from banking.selectors.bank_accounts import bank_account_list
from banking.selectors.categories import category_list
from banking.selectors.transactions import attach_accounts

MAX_YEARS = 10
MONTHS_MIN, MONTHS_MAX = 1, 60
GROUP_BY = ("category", "month", "merchant")
# The page's charts: the biggest categories by name, the rest as "Everything else"; top merchants; largest rows.
CHART_CATEGORIES = 6
TOP_MERCHANTS = 10
LARGEST = 10
DEFAULT_CURRENCY = "USD"


def month_start(day: datetime.date, shift: int = 0) -> datetime.date:
    """The first day of the month `shift` months after the one holding `day`."""
    index = day.year * 12 + day.month - 1 + shift
    # The calendar's ends stay its ends: the months before year 1 or after 9999 do not exist.
    index = min(max(index, datetime.MINYEAR * 12), datetime.MAXYEAR * 12 + 11)
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of every month from the one holding `start` to the one holding `end`."""
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = month_start(month, 1)
    return months


@dataclass(frozen=True)
class InsightsPeriod:
    """The days an insight covers, both included: at most ten years, `start` not after `end`."""

    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError({"from": ["The start date is after the end date: pick an earlier start date."]})
        years = self.end.year - self.start.year
        if years > MAX_YEARS or (
            years == MAX_YEARS and (self.end.month, self.end.day) >= (self.start.month, self.start.day)
        ):
            raise ValidationError({"to": [f"Pick a range of at most {MAX_YEARS} years."]})

    @classmethod
    def last_months(cls, *, months: int, today: datetime.date) -> "InsightsPeriod":
        """The last `months` calendar months, this one included (up to today)."""
        if not MONTHS_MIN <= months <= MONTHS_MAX:
            raise ValidationError({"months": [f"Choose between {MONTHS_MIN} and {MONTHS_MAX} months."]})
        return cls(month_start(today, 1 - months), today)

    @classmethod
    def from_dates(
        cls, *, start: datetime.date | None, end: datetime.date | None, today: datetime.date
    ) -> "InsightsPeriod":
        """The range asked for; without an end, up to today; without a start, the twelve months to the end."""
        end = end or today
        return cls(start or month_start(end, -11), end)

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.start, self.end)


def insights_currencies(accounts: list[BankAccount]) -> list[str]:
    """The currencies of the user's accounts, the one with the most accounts first."""
    counts: dict[str, int] = defaultdict(int)
    for account in accounts:
        counts[account.currency] += 1
    return sorted(counts, key=lambda currency: (-counts[currency], currency))


def insights_currency(requested: str | None, currencies: list[str]) -> str:
    """The currency asked for (any the site knows), else the user's main one."""
    if requested in (None, ""):
        return currencies[0] if currencies else DEFAULT_CURRENCY
    code = str(requested).strip().upper()
    if code not in CURRENCY_CODES:
        raise ValidationError({"currency": ["Choose a currency as an ISO 4217 code, e.g. USD or EUR."]})
    return code


class Kinds:
    """The user's categories by slug, and which count as spending and as income."""

    def __init__(self, categories: list[Category]):
        self.by_slug = {c.slug: c for c in categories}

    def kind(self, slug: str) -> str:
        """The category's kind; a slug that is none of the user's categories counts as nothing, as in
        selectors.spending."""
        category = self.by_slug.get(slug)
        return category.kind if category else ""

    def spending(self) -> list[str]:
        return [slug for slug, c in self.by_slug.items() if c.kind == SPENDING_KIND]

    def label(self, slug: str) -> str:
        category = self.by_slug.get(slug)
        return category.name if category else slug

    def color(self, slug: str) -> str:
        category = self.by_slug.get(slug)
        return category.color if category else ""


def _as_date(value: Any) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


@dataclass
class MonthFlows:
    """Per month: each spending category's net spending and the income from `start` on, and each spending
    category's net spending over whole months (`full`: what the change against earlier months compares)."""

    spending: dict[datetime.date, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    income: dict[datetime.date, int] = field(default_factory=lambda: defaultdict(int))
    full: dict[datetime.date, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def spent(self, month: datetime.date, slug: str, *, full: bool = False) -> int:
        by_month = self.full if full else self.spending
        return by_month[month].get(slug, 0) if month in by_month else 0


def month_flows(
    *,
    user: User,
    kinds: Kinds,
    currency: str,
    start: datetime.date,
    end: datetime.date,
    since: datetime.date | None = None,
) -> MonthFlows:
    """The month sums in one currency between the dates (one grouped query); with `since`, the whole months
    from `since` on are read too, for `full`."""
    since = min(since or start, start)
    in_range = Q(day__gte=start)
    rows = (
        DailyFlow.objects.filter(user=user, currency=currency, day__range=(since, end))
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("month", "category")
        .annotate(
            spent=Sum("debits", filter=in_range, default=0),
            received=Sum("credits", filter=in_range, default=0),
            all_spent=Sum("debits"),
            all_received=Sum("credits"),
        )
    )
    flows = MonthFlows()
    for row in rows:
        month, slug = month_start(_as_date(row["month"])), row["category"]
        kind = kinds.kind(slug)
        if kind == SPENDING_KIND:
            flows.full[month][slug] += row["all_spent"] - row["all_received"]
            if row["spent"] or row["received"]:
                flows.spending[month][slug] += row["spent"] - row["received"]
        elif kind == INCOME_KIND:
            flows.income[month] += row["received"] - row["spent"]
    return flows


# --- the API's three reads --------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendingRow:
    key: str
    label: str
    amount: int


def spending_rows(
    *, user: User, period: InsightsPeriod, group_by: str, currency: str, kinds: Kinds | None = None
) -> list[SpendingRow]:
    """Spending in the period grouped by category or merchant (biggest first), or by month (in order, every
    month of the period). Rows whose refunds cancel their spending are left out, except months."""
    if group_by not in GROUP_BY:
        raise ValidationError({"group_by": [f"Choose one of: {', '.join(GROUP_BY)}."]})
    kinds = kinds or Kinds(category_list(user=user))
    if group_by == "merchant":
        rows = [
            SpendingRow(r["merchant"], r["merchant"], r["spent"] - r["received"])
            for r in DailyFlow.objects.filter(
                user=user, currency=currency, day__range=(period.start, period.end), category__in=kinds.spending()
            )
            .order_by()
            .values("merchant")
            .annotate(spent=Sum("debits"), received=Sum("credits"))
        ]
        return sorted((r for r in rows if r.amount), key=lambda r: (-r.amount, r.key))
    flows = month_flows(user=user, kinds=kinds, currency=currency, start=period.start, end=period.end)
    if group_by == "month":
        return [
            SpendingRow(f"{m:%Y-%m}", f"{m:%b %Y}", sum(flows.spending[m].values()) if m in flows.spending else 0)
            for m in period.months
        ]
    totals: dict[str, int] = defaultdict(int)
    for by_category in flows.spending.values():
        for slug, amount in by_category.items():
            totals[slug] += amount
    rows = [SpendingRow(slug, kinds.label(slug), amount) for slug, amount in totals.items() if amount]
    return sorted(rows, key=lambda r: (-r.amount, r.key))


@dataclass(frozen=True)
class CashflowMonth:
    month: datetime.date
    income: int
    expenses: int

    @property
    def net(self) -> int:
        return self.income - self.expenses

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"


def cashflow(
    *, user: User, period: InsightsPeriod, currency: str, kinds: Kinds | None = None, flows: MonthFlows | None = None
) -> list[CashflowMonth]:
    """Income, expenses and net per month of the period, in one currency (one query)."""
    kinds = kinds or Kinds(category_list(user=user))
    if flows is None:
        flows = month_flows(user=user, kinds=kinds, currency=currency, start=period.start, end=period.end)
    return [
        CashflowMonth(m, flows.income.get(m, 0), sum(flows.spending[m].values()) if m in flows.spending else 0)
        for m in period.months
    ]


@dataclass(frozen=True)
class NetWorthPoint:
    date: datetime.date
    assets: int
    debts: int  # zero or negative: what is owed

    @property
    def balance(self) -> int:
        return self.assets + self.debts


def _counts_on(account: BankAccount, day: datetime.date) -> bool:
    """Whether the account is in the net worth on `day`: after its opening balance's date, before it closed."""
    if account.opening_balance_date is not None and day < account.opening_balance_date:
        return False
    return account.closed_at is None or day < timezone.localdate(account.closed_at)


def net_worth(
    *, user: User, period: InsightsPeriod, accounts: list[BankAccount] | None = None
) -> dict[str, list[NetWorthPoint]]:
    """Per currency (the main one first), assets and debts at the end of every month of the period (the last
    point on its last day): each account's opening balance plus what its balance counts up to that day, as
    Transaction.balance_effect says (one grouped query, a row per account and month)."""
    accounts = bank_account_list(user=user) if accounts is None else accounts
    points = [min(month_end(m), period.end) for m in period.months]
    moved: dict[Any, dict[datetime.date, int]] = defaultdict(dict)
    rows = (
        DailyFlow.objects.filter(user=user, day__lte=period.end)
        .filter(
            Q(bank_account__opening_balance_date__isnull=True) | Q(day__gte=F("bank_account__opening_balance_date"))
        )
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("bank_account_id", "month")
        .annotate(moved=Sum("settled"))
    )
    for row in rows:
        moved[row["bank_account_id"]][month_start(_as_date(row["month"]))] = row["moved"]
    series: dict[str, list[NetWorthPoint]] = {}
    for currency in insights_currencies(accounts):
        mine = [a for a in accounts if a.currency == currency]
        line = []
        for point in points:
            assets = debts = 0
            for account in mine:
                if not _counts_on(account, point):
                    continue
                balance = account.opening_balance + sum(
                    amount for month, amount in moved[account.pk].items() if month <= point
                )
                if balance > 0:
                    assets += balance
                else:
                    debts += balance
            line.append(NetWorthPoint(point, assets, debts))
        series[currency] = line
    return series


# --- the page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySeries:
    """One category's spending in each month of the chart, and the last month against the three before."""

    key: str
    label: str
    color: str
    amounts: list[int]
    change: int | None  # percent, None when the three months before had no spending

    @property
    def total(self) -> int:
        return sum(self.amounts)

    @property
    def change_label(self) -> str:
        """ "+38%", "−10%", "0%"; "new" when nothing was spent in the three months before."""
        if self.change is None:
            return "new"
        return f"+{self.change}%" if self.change > 0 else f"−{-self.change}%" if self.change < 0 else "0%"


def change_percent(current: int, previous: list[int]) -> int | None:
    """`current` against the average of `previous`, in whole percent (None without a base to compare)."""
    base = sum(previous)
    if base <= 0:
        return None
    return round(Fraction((current * len(previous) - base) * 100, base))


@dataclass(frozen=True)
class MerchantSpend:
    merchant: str
    amount: int


@dataclass
class Insights:
    period: InsightsPeriod
    currency: str
    currencies: list[str]
    months: list[datetime.date]
    categories: list[CategorySeries]
    cashflow: list[CashflowMonth]
    net_worth: list[NetWorthPoint]
    merchants: list[MerchantSpend]
    largest: list[Transaction]

    @property
    def month_totals(self) -> list[int]:
        return [sum(c.amounts[i] for c in self.categories) for i in range(len(self.months))]

    @property
    def month_rows(self) -> list[tuple[datetime.date, list[tuple[int, CategorySeries]], int]]:
        """The spending table: per month, each category's amount (with its category) and the month's total."""
        totals = self.month_totals
        return [(m, [(c.amounts[i], c) for c in self.categories], totals[i]) for i, m in enumerate(self.months)]


def _category_series(kinds: Kinds, flows: MonthFlows, months: list[datetime.date]) -> list[CategorySeries]:
    """The biggest categories over the chart's months, the rest folded into "Everything else"; each with the
    last month against the average of the three whole months before it."""
    last = months[-1]
    before = [month_start(last, -n) for n in (1, 2, 3)]

    def amounts(slugs: list[str]) -> list[int]:
        return [sum(flows.spent(m, slug) for slug in slugs) for m in months]

    def change(slugs: list[str]) -> int | None:
        current = sum(flows.spent(last, slug) for slug in slugs)
        return change_percent(current, [sum(flows.spent(m, slug, full=True) for slug in slugs) for m in before])

    slugs = {slug for by_category in flows.spending.values() for slug in by_category}
    ranked = sorted((s for s in slugs if any(amounts([s]))), key=lambda s: (-sum(amounts([s])), s))
    shown, rest = ranked[: CHART_CATEGORIES - 1], ranked[CHART_CATEGORIES - 1 :]
    if len(rest) == 1:
        shown, rest = ranked, []
    series = [
        CategorySeries(slug, kinds.label(slug), kinds.color(slug), amounts([slug]), change([slug])) for slug in shown
    ]
    if rest:
        series.append(CategorySeries("rest", "Everything else", "", amounts(rest), change(rest)))
    return series


def insights_page(
    *, user: User, period: InsightsPeriod, currency: str | None, accounts: list[BankAccount] | None = None
) -> Insights:
    """Everything the insights page shows for one currency, in six queries whatever the data size: accounts,
    categories, the month sums (with the three months before the last, for the change), merchants, the
    largest transactions and the net worth's month sums."""
    accounts = bank_account_list(user=user) if accounts is None else accounts
    currencies = insights_currencies(accounts)
    currency = insights_currency(currency, currencies)
    kinds = Kinds(category_list(user=user))
    months = period.months
    flows = month_flows(
        user=user, kinds=kinds, currency=currency, start=period.start, end=period.end, since=month_start(months[-1], -3)
    )
    merchants = [
        MerchantSpend(r.label, r.amount)
        for r in spending_rows(user=user, period=period, group_by="merchant", currency=currency, kinds=kinds)
        if r.amount > 0
    ][:TOP_MERCHANTS]
    largest = list(
        Transaction.objects.filter(
            user=user,
            currency=currency,
            transaction_date__range=(period.start, period.end),
            type=Transaction.Type.DEBIT,
            category__in=kinds.spending(),
        )
        .exclude(status=Transaction.Status.FAILED)
        .order_by("-amount", "-transaction_date", "id")[:LARGEST]
    )
    attach_accounts(largest, accounts)
    for txn in largest:
        txn.category_name, txn.category_color = kinds.label(txn.category), kinds.color(txn.category)
    worth = net_worth(user=user, period=period, accounts=accounts)
    return Insights(
        period=period,
        currency=currency,
        currencies=currencies,
        months=months,
        categories=_category_series(kinds, flows, months),
        cashflow=cashflow(user=user, period=period, currency=currency, kinds=kinds, flows=flows),
        net_worth=worth.get(currency, []),
        merchants=merchants,
        largest=largest,
    )
