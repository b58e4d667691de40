"""`{% load money %}`: the site's one way to show money in a template.

`{{ amount|money:currency }}` -> "$1,234.56", `{{ amount|money_signed:currency }}` -> "+$12.00",
`{{ amount|amount_class }}` -> "positive" / "negative" for colouring. Amounts are minor units.
"""

from django import template

from saas.money import format_money

register = template.Library()


def _minor_units(amount) -> int | None:
    # Templates pass what they have: a missing value or an empty string shows nothing, never a 500.
    if amount is None or amount == "" or isinstance(amount, bool):
        return None
    try:
        return int(amount)
    except (TypeError, ValueError):
        return None


@register.filter
def money(amount: int | None, currency: str) -> str:
    return format_money(_minor_units(amount), currency)


@register.filter
def money_signed(amount: int | None, currency: str) -> str:
    """With an explicit + for money in: "+$12.00", "−$3.50"."""
    return format_money(_minor_units(amount), currency, signed=True)


@register.filter
def amount_class(amount: int | None) -> str:
    """ "positive" or "negative" for colouring an amount; empty for zero."""
    if not amount:
        return ""
    return "positive" if amount > 0 else "negative"
