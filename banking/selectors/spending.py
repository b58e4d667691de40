"""Spending per category, read from the DailySpending sums in one query whatever the history's size.

What counts as spending is decided here, once, by the category's kind (banking.models.categories): the
sums hold every debit that did not fail, and these reads keep the categories of the spending kind.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from accounts.models import User
from banking.models import SPENDING_KIND, Category, DailySpending


@dataclass(frozen=True)
class CategorySpend:
    category: str
    label: str
    amount: int
    color: str = ""


@dataclass
class SpendWindow:
    """Spending of one category in one currency from `start` to `end` (both included): `spending_sums` fills
    in `spent`."""

    category: str
    currency: str
    start: datetime.date
    end: datetime.date
    spent: int = 0


# Windows per query: budget pages ask for up to 13 per budget (12 periods and what came before), and a
# query's columns are limited (PostgreSQL: 1,664), so a hundred budgets take two queries.
WINDOWS_PER_QUERY = 700


def spending_sums(
    *,
    user: User,
    period: tuple[datetime.date, datetime.date] | None = None,
    windows: Sequence[SpendWindow] = (),
) -> dict[tuple[str, str], int]:
    """One GROUP BY query over DailySpending (one more per WINDOWS_PER_QUERY windows): per (currency,
    category) the spending in `period`, and each window's spending added to its `spent`.

    The database adds up, so a handful of rows come back whatever the history's size. It is written as SQL
    because the ORM spent several times the query's own run time compiling one filtered Sum per budget
    on the dashboard, the site's busiest signed-in page.
    """
    totals: dict[tuple[str, str], int] = {}
    if period is None and not windows:
        return totals
    chunks = [windows[i : i + WINDOWS_PER_QUERY] for i in range(0, len(windows), WINDOWS_PER_QUERY)] or [()]
    for i, chunk in enumerate(chunks):
        _sum_windows(user=user, period=period if i == 0 else None, windows=chunk, totals=totals)
    return totals


def _sum_windows(
    *,
    user: User,
    period: tuple[datetime.date, datetime.date] | None,
    windows: Sequence[SpendWindow],
    totals: dict[tuple[str, str], int],
) -> None:
    ranges = ([period] if period is not None else []) + [(w.start, w.end) for w in windows]
    ops = connection.ops
    day = ops.adapt_datefield_value
    columns, params = [], []
    if period is not None:
        columns.append("SUM(amount) FILTER (WHERE day BETWEEN %s AND %s)")
        params += [day(period[0]), day(period[1])]
    for w in windows:
        columns.append("SUM(amount) FILTER (WHERE category = %s AND currency = %s AND day BETWEEN %s AND %s)")
        params += [w.category, w.currency, day(w.start), day(w.end)]
    user_id = DailySpending._meta.get_field("user").target_field.get_db_prep_value(user.pk, connection)
    params += [user_id, day(min(start for start, _ in ranges)), day(max(end for _, end in ranges))]
    params += [user_id, SPENDING_KIND.value]
    categories = ops.quote_name(Category._meta.db_table)
    sql = (
        f"SELECT category, currency, {', '.join(columns)} FROM {ops.quote_name(DailySpending._meta.db_table)} "  # noqa: S608 - fixed SQL, values are parameters
        "WHERE user_id = %s AND day BETWEEN %s AND %s "
        f"AND category IN (SELECT slug FROM {categories} WHERE user_id = %s AND kind = %s) "
        "GROUP BY category, currency"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for category, currency, *sums in cursor.fetchall():
            if period is not None:
                in_period = sums.pop(0)
                if in_period:
                    totals[(currency, category)] = int(in_period)
            for w, spent in zip(windows, sums, strict=True):
                w.spent += int(spent or 0)


def by_category(
    totals: dict[tuple[str, str], int], categories: Sequence[Category] = ()
) -> dict[str, list[CategorySpend]]:
    """Per currency, each category's spending with its name and colour, biggest first."""
    by_slug = {c.slug: c for c in categories}
    result: dict[str, list[CategorySpend]] = defaultdict(list)
    for (currency, slug), total in totals.items():
        if total > 0:
            category = by_slug.get(slug)
            label, color = (category.name, category.color) if category else (slug, "")
            result[currency].append(CategorySpend(slug, label, total, color))
    for spends in result.values():
        spends.sort(key=lambda s: (-s.amount, s.category))
    return dict(sorted(result.items(), key=lambda item: -sum(s.amount for s in item[1])))


def spending_by_category(*, user: User, start: datetime.date, end: datetime.date) -> dict[str, list[CategorySpend]]:
    """Per currency, the categories' spending in the range, biggest first (two queries)."""
    from banking.selectors.categories import category_list

    return by_category(spending_sums(user=user, period=(start, end)), category_list(user=user))
