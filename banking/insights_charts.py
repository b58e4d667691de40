"""Chart geometry for the insights page: SVG attributes only, because the CSP forbids inline styles.

Charts are drawn 360 units wide, the width of a phone, so their text stays readable at 390 px; wider
screens scale them up. Every chart sits beside a table with the same numbers.
"""

import datetime
import math
from dataclasses import dataclass
from typing import Any

from banking.models.categories import PALETTE
from banking.selectors.insights import CashflowMonth, CategorySeries, NetWorthPoint

WIDTH = 360
PLOT_TOP, PLOT_BOTTOM = 12, 176  # the bars' area; month labels below it
HEIGHT = 196
LEFT = 4


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    label: str  # for the rectangle's <title>
    amount: int
    swatch: int = 0
    fill: str = ""


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


def _slots(count: int) -> tuple[float, float]:
    """The width of each month's slot and of its bar."""
    slot = (WIDTH - LEFT) / max(1, count)
    return slot, max(1.0, round(slot * 0.64, 1))


def _height(amount: int, biggest: int) -> float:
    return round((PLOT_BOTTOM - PLOT_TOP) * amount / biggest, 1) if biggest else 0.0


def _ticks(months: list[datetime.date], slot: float) -> list[Tick]:
    """Month labels, every one while they fit, else every few (a January always shows its year)."""
    step = max(1, math.ceil(len(months) / 12))
    ticks = []
    for i, month in enumerate(months):
        if i % step == 0:
            label = f"{month:%b}" if step == 1 and len(months) <= 12 else f"{month:%b %y}"
            ticks.append(Tick(round(LEFT + slot * i + slot / 2, 1), label))
    return ticks


def stacked_months(months: list[datetime.date], series: list[CategorySeries]) -> dict[str, Any]:
    """Spending per month, each category's part stacked on the others (refund-only months draw nothing)."""
    slot, bar = _slots(len(months))
    totals = [sum(max(0, s.amounts[i]) for s in series) for i in range(len(months))]
    biggest = max(totals, default=0)
    rects = []
    for i, month in enumerate(months):
        x = round(LEFT + slot * i + (slot - bar) / 2, 1)
        y = float(PLOT_BOTTOM)
        for n, s in enumerate(series):
            amount = max(0, s.amounts[i])
            if not amount:
                continue
            height = _height(amount, biggest)
            y = round(y - height, 1)
            swatch = n % 7 if s.color else 7  # the grey of "Everything else"
            rects.append(Rect(x, y, bar, height, f"{s.label}, {month:%b %Y}", amount, swatch=swatch, fill=s.color))
    return {"rects": rects, "ticks": _ticks(months, slot), "biggest": biggest, **_frame()}


def cashflow_bars(rows: list[CashflowMonth]) -> dict[str, Any]:
    """Income and expenses per month, side by side."""
    slot, bar = _slots(len(rows))
    half = round(bar / 2, 1)
    biggest = max((max(r.income, r.expenses) for r in rows), default=0)
    rects = []
    for i, row in enumerate(rows):
        x = round(LEFT + slot * i + (slot - bar) / 2, 1)
        for offset, amount, label in ((0, row.income, "Income"), (half, row.expenses, "Expenses")):
            if amount > 0:
                height = _height(amount, biggest)
                rects.append(
                    Rect(
                        round(x + offset, 1),
                        round(PLOT_BOTTOM - height, 1),
                        half,
                        height,
                        f"{label}, {row.month:%b %Y}",
                        amount,
                        swatch=0 if label == "Income" else 6,
                    )  # fmt: skip
                )
    return {"rects": rects, "ticks": _ticks([r.month for r in rows], slot), "biggest": biggest, **_frame()}


def net_worth_line(points: list[NetWorthPoint]) -> dict[str, Any]:
    """Net worth at each month end as a line, with a zero line when it crosses or touches zero."""
    values = [p.balance for p in points]
    low, high = min([0, *values]), max([0, *values])
    span = (high - low) or 1
    slot = (WIDTH - LEFT) / max(1, len(points))

    def y(amount: int) -> float:
        return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (amount - low) / span, 1)

    dots = [
        {
            "x": round(LEFT + slot * i + slot / 2, 1),
            "y": y(p.balance),
            "label": f"{p.date:%-d %b %Y}",
            "amount": p.balance,
        }
        for i, p in enumerate(points)
    ]
    return {
        "dots": dots,
        "path": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "zero_y": y(0),
        "ticks": _ticks([p.date for p in points], slot),
        "high": high,
        "low": low,
        **_frame(),
    }


def _frame() -> dict[str, Any]:
    return {"width": WIDTH, "height": HEIGHT, "top": PLOT_TOP, "bottom": PLOT_BOTTOM, "label_y": HEIGHT - 4}


def sample_spending() -> dict[str, Any]:
    """The upsell's picture: a year of made-up spending in two categories, drawn by the real chart."""
    months = [datetime.date(2026, m, 1) for m in range(1, 13)]
    first = [80, 90, 76, 96, 84, 86, 78, 92, 82, 88, 80, 94]
    second = [36, 30, 30, 40, 26, 38, 36, 34, 30, 44, 38, 46]
    series = [CategorySeries("a", "", PALETTE[0], first, None), CategorySeries("b", "", PALETTE[1], second, None)]
    return stacked_months(months, series)
