"""Reads for budgets: each budget's current period and what was spent in it."""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from banking.models import Budget
from banking.pagination import Keyset, Page, paginate
from banking.selectors.spending import SpendWindow, spending_sums

BUDGET_KEYSET = Keyset("budgets", ("created_at", "id"), descending=False)


def get_budget_for_user(*, user: User, budget_id: Any) -> Budget:
    """The user's own budget, or 404."""
    try:
        return Budget.objects.filter(user=user).get(pk=budget_id)
    except (Budget.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No budget with that id.") from None


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier); only for days up to the 28th, which every month has."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def _natural_period(budget: Budget, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The whole week (Monday first), month or year that holds `day`, before clipping to the budget's dates.

    A monthly budget with a `period_start_day` N runs from the Nth of one month to the day before the Nth of
    the next (payday months).
    """
    if budget.period == Budget.Period.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if budget.period == Budget.Period.YEARLY:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    first = budget.period_start_day or 1
    start = day.replace(day=first) if day.day >= first else _add_months(day.replace(day=first), -1)
    return start, _add_months(start, 1) - datetime.timedelta(days=1)


def _period_number(budget: Budget, start: datetime.date) -> int:
    """A count of periods from a fixed origin, for a natural period's start: differences count periods."""
    if budget.period == Budget.Period.WEEKLY:
        return (start.toordinal() - 1) // 7  # day 1 (0001-01-01) is a Monday
    if budget.period == Budget.Period.YEARLY:
        return start.year
    return start.year * 12 + start.month - 1


def _clip(budget: Budget, start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = max(start, budget.start_date)
    if budget.end_date:
        end = min(end, budget.end_date)
    return start, end


def budget_period(budget: Budget, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The week (Monday first), month (from its `period_start_day`) or year that holds today, clipped to the
    budget's dates.

    Before the budget starts it is its first period; after it ends, its last.
    """
    return budget_periods(budget, today, count=1)[0]


def budget_periods(
    budget: Budget, today: datetime.date | None = None, *, count: int = 12
) -> list[tuple[datetime.date, datetime.date]]:
    """The current period (as `budget_period`) and up to `count - 1` before it, oldest first; none before the
    budget's start date."""
    today = today or timezone.localdate()
    anchor = max(today, budget.start_date)
    if budget.end_date:
        anchor = min(anchor, budget.end_date)
    periods = [_natural_period(budget, anchor)]
    while len(periods) < count and periods[0][0] > budget.start_date:
        periods.insert(0, _natural_period(budget, periods[0][0] - datetime.timedelta(days=1)))
    return [_clip(budget, start, end) for start, end in periods]


class Allowance:
    """What a period makes available (its limit and what earlier periods carried in), and what remains of it
    after the spending; negative when overspent."""

    limit: int
    carried_over: int
    spent: int

    @property
    def available(self) -> int:
        return self.limit + self.carried_over

    @property
    def remaining(self) -> int:
        return self.available - self.spent

    @property
    def is_over(self) -> bool:
        return self.remaining < 0


@dataclass
class PeriodSpend(Allowance):
    """One period of a budget: its limit, what earlier periods carried into it (rollover), what was spent."""

    start: datetime.date
    end: datetime.date
    limit: int
    carried_over: int = 0
    spent: int = 0


@dataclass
class BudgetProgress(Allowance):
    """A budget in its current period. With `rollover`, `carried_over` is what all the earlier periods since
    the start date left (positive) or overspent (negative), each against the budget's current limit; it is
    part of what is `available` and `remaining` now. `history` holds the last periods, oldest first, when
    asked for (the budget page)."""

    budget: Budget
    period_start: datetime.date
    period_end: datetime.date
    spent: int = 0
    carried_over: int = 0
    history: list[PeriodSpend] = field(default_factory=list)

    @property
    def limit(self) -> int:  # type: ignore[override]
        return self.budget.amount

    @property
    def percent_used(self) -> int:
        """Of what is available this period; 100 when earlier overspending left nothing."""
        return self.spent * 100 // self.available if self.available > 0 else 100

    @property
    def over_by(self) -> int:
        return max(0, -self.remaining)

    @property
    def progress_max(self) -> int:
        return self.available if self.available > 0 else self.budget.amount

    @property
    def progress_value(self) -> int:
        """What a <progress max=progress_max> shows: capped so an over-budget bar is simply full."""
        return min(self.spent, self.available) if self.available > 0 else self.progress_max


def budget_progress(
    *, user: User, budgets: list[Budget], today: datetime.date | None = None, history: int = 0
) -> list[BudgetProgress]:
    """Spending in each budget's current period (and in the `history` periods up to it, when asked), with
    what rollover carries in, in one aggregate query (none without budgets; one more per 700 periods)."""
    windows, finish = budget_progress_plan(budgets=budgets, today=today, history=history)
    spending_sums(user=user, windows=windows)
    return finish()


def budget_progress_plan(
    *, budgets: list[Budget], today: datetime.date | None = None, history: int = 0
) -> tuple[list[SpendWindow], Callable[[], list[BudgetProgress]]]:
    """The spending windows the budgets need, and what turns them, once `spending_sums` has filled them in,
    into each budget's progress: so a page can read them in the same query as its other sums.

    Rollover is cumulative from the budget's start date: the periods before the ones shown are one more
    window of the daily sums, so the query stays the same however old the budget is.
    """
    today = today or timezone.localdate()
    plans = []
    windows: list[SpendWindow] = []
    for budget in budgets:
        periods = budget_periods(budget, today, count=max(history, 1))
        spans = [SpendWindow(budget.category, budget.currency, start, end) for start, end in periods]
        before = None
        if budget.rollover and periods[0][0] > budget.start_date:
            before = SpendWindow(
                budget.category, budget.currency, budget.start_date, periods[0][0] - datetime.timedelta(days=1)
            )
            windows.append(before)
        windows += spans
        plans.append((budget, spans, before))

    def finish() -> list[BudgetProgress]:
        return [_settle(budget, spans, before, keep_history=history > 0) for budget, spans, before in plans]

    return windows, finish


def _settle(
    budget: Budget, spans: list[SpendWindow], before: SpendWindow | None, *, keep_history: bool
) -> BudgetProgress:
    carried = 0
    if before is not None:
        first = _period_number(budget, _natural_period(budget, budget.start_date)[0])
        earlier = _period_number(budget, _natural_period(budget, spans[0].start)[0]) - first
        carried = earlier * budget.amount - before.spent
    done = []
    for span in spans:
        done.append(PeriodSpend(span.start, span.end, budget.amount, carried, span.spent))
        if budget.rollover:
            carried = done[-1].remaining
    current = done[-1]
    return BudgetProgress(
        budget,
        current.start,
        current.end,
        spent=current.spent,
        carried_over=current.carried_over,
        history=done if keep_history else [],
    )


@dataclass(frozen=True)
class BudgetTotal(Allowance):
    """All the budgets of one currency in their current periods, added up."""

    currency: str
    count: int
    limit: int
    carried_over: int
    spent: int


def budget_totals(progress: list[BudgetProgress], *, today: datetime.date | None = None) -> list[BudgetTotal]:
    """Per currency, the limits, carry, spending and what is left of the active budgets running today (not
    those that have ended or not started), biggest limit first."""
    today = today or timezone.localdate()
    sums: dict[str, list[int]] = {}
    for p in progress:
        if p.budget.is_active and p.period_start <= today <= p.period_end:
            row = sums.setdefault(p.budget.currency, [0, 0, 0, 0])
            row[0] += 1
            row[1] += p.budget.amount
            row[2] += p.carried_over
            row[3] += p.spent
    totals = [BudgetTotal(currency, *row) for currency, row in sums.items()]
    return sorted(totals, key=lambda t: (-t.limit, t.currency))


def budget_list(*, user: User, active_only: bool = False) -> list[Budget]:
    qs = Budget.objects.filter(user=user)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by(*BUDGET_KEYSET.order_by()))


def budget_page(*, user: User, cursor: str | None, limit: int) -> Page:
    page = paginate(Budget.objects.filter(user=user), BUDGET_KEYSET, cursor=cursor, limit=limit)
    page.items = budget_progress(user=user, budgets=page.items)
    return page
