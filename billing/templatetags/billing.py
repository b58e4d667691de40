"""Template filters for billing pages: money in minor units, intervals and status badges."""

from decimal import Decimal

from django import template

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "INR": "₹"}
# ISO 4217 currencies without minor units.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"})
STATUS_BADGES = {
    "active": "badge-success",
    "trialing": "badge-success",
    "past_due": "badge-warning",
    "incomplete": "badge-warning",
    "unpaid": "badge-danger",
    "canceled": "badge-danger",
    "incomplete_expired": "badge-danger",
    "paid": "badge-success",
    "pending": "badge-warning",
    "refunded": "badge-danger",
    "partially_refunded": "badge-warning",
}


@register.filter
def money(amount, currency: str = "USD") -> str:
    """`900|money:"USD"` -> "$9.00"; amounts are integers in minor units, never floats."""
    if amount is None or amount == "":
        return ""
    code = (currency or "USD").upper()
    exponent = 0 if code in ZERO_DECIMAL else 2
    value = Decimal(int(amount)).scaleb(-exponent)
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,.{exponent}f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"


@register.filter
def interval_label(interval: str) -> str:
    """ "month" -> "month", "year" -> "year"; anything odd shown as given."""
    return {"day": "day", "week": "week", "month": "month", "year": "year"}.get(interval or "", interval or "")


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status or "", "")


@register.filter
def status_label(status: str) -> str:
    return (status or "").replace("_", " ").capitalize()
