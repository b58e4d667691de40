"""Everything the overview shows, in a fixed number of queries whatever the data size."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from banking.models import BankAccount, Transaction
from banking.selectors.bank_accounts import CurrencyTotal, bank_account_list, totals_by_currency
from banking.selectors.budgets import BudgetProgress, budget_list, budget_progress_plan, month_bounds
from banking.selectors.categories import attach_category_names, category_list
from banking.selectors.recurring import Upcoming, upcoming_payments
from banking.selectors.spending import CategorySpend, by_category, spending_sums
from banking.selectors.transactions import recent_transactions


@dataclass
class Dashboard:
    accounts: list[BankAccount]  # the open ones
    totals: list[CurrencyTotal]
    month_start: datetime.date
    month_end: datetime.date
    spending: dict[str, list[CategorySpend]]
    budgets: list[BudgetProgress]
    recent: list[Transaction]
    upcoming: list[Upcoming]


def dashboard_summary(*, user: User, today: datetime.date | None = None) -> Dashboard:
    """Everything the overview shows, in six queries whatever the data size: accounts, categories, budgets,
    the spending rows of this month and of the budgets' periods (together), recent transactions, and the
    confirmed recurring payments due soon."""
    today = today or timezone.localdate()
    every_account = bank_account_list(user=user)
    accounts = [a for a in every_account if not a.is_closed]
    month_start, month_end = month_bounds(today)
    budgets = budget_list(user=user, active_only=True)
    attach_category_names(budgets, user=user)
    windows, finish = budget_progress_plan(budgets=budgets, today=today)
    month_totals = spending_sums(user=user, period=(month_start, month_end), windows=windows)
    recent = recent_transactions(user=user, accounts=every_account, limit=8)
    attach_category_names(recent, user=user)
    return Dashboard(
        accounts=accounts,
        totals=totals_by_currency(accounts),
        month_start=month_start,
        month_end=month_end,
        spending=by_category(month_totals, category_list(user=user)),
        budgets=finish(),
        recent=recent,
        upcoming=upcoming_payments(user=user, today=today),
    )
