"""Reads for budgets: each budget's current period and what was spent in it."""

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from banking.models import Budget
from banking.pagination import Keyset, Page, paginate
from banking.selectors.spending import spending_sums

BUDGET_KEYSET = Keyset("budgets", ("created_at", "id"), descending=False)


def get_budget_for_user(*, user: User, budget_id: Any) -> Budget:
    """The user's own budget, or 404."""
    try:
        return Budget.objects.filter(user=user).get(pk=budget_id)
    except (Budget.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No budget with that id.") from None


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


def budget_progress(*, user: User, budgets: list[Budget], today: datetime.date | None = None) -> list[BudgetProgress]:
    """Spending in each budget's current period, in one aggregate query (none without budgets)."""
    today = today or timezone.localdate()
    progress = [BudgetProgress(b, *budget_period(b, today)) for b in budgets]
    spending_sums(user=user, progress=progress)
    return progress


def budget_list(*, user: User, active_only: bool = False) -> list[Budget]:
    qs = Budget.objects.filter(user=user)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by(*BUDGET_KEYSET.order_by()))


def budget_page(*, user: User, cursor: str | None, limit: int) -> Page:
    page = paginate(Budget.objects.filter(user=user), BUDGET_KEYSET, cursor=cursor, limit=limit)
    page.items = budget_progress(user=user, budgets=page.items)
    return page
