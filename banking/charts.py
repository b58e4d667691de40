"""Chart geometry for the pages: SVG attributes only, because the CSP forbids inline styles."""

from dataclasses import dataclass
from typing import Any

from banking.selectors.budgets import PeriodSpend
from banking.selectors.spending import CategorySpend


@dataclass(frozen=True)
class ChartBar:
    label: str
    amount: int
    swatch: int
    y: int
    width: int
    label_y: int
    value_x: int


@dataclass(frozen=True)
class PeriodBar:
    period: PeriodSpend
    x: int
    y: int
    height: int
    limit_y: int | None  # where the period's available amount is marked; None when nothing was available


def budget_history_chart(
    history: list[PeriodSpend], *, slots: int = 12, width: int = 288, height: int = 72
) -> dict[str, Any]:
    """Geometry of a budget's past periods as columns (spent), each with a mark at what was available; the
    newest on the right, in `slots` places, so a young budget's few columns keep their width."""
    slot = width // slots
    biggest = max([p.spent for p in history] + [p.available for p in history] + [1])
    first = slots - len(history)
    bars = []
    for i, period in enumerate(history):
        bar_height = round((height - 2) * period.spent / biggest)
        limit_y = height - round((height - 2) * period.available / biggest) if period.available > 0 else None
        x = (first + i) * slot + 2
        bars.append(PeriodBar(period, x=x, y=height - bar_height, height=bar_height, limit_y=limit_y))
    return {"bars": bars, "width": width, "height": height, "bar_width": max(slot - 4, 2)}


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
