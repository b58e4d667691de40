"""`{{ amount|money:currency }}`: minor units in the currency's own format ("$1,234.56", "¥1,235")."""

from django import template

from banking.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def money_signed(amount: int | None, currency: str) -> str:
    """With an explicit + for money in: "+$12.00", "−$3.50"."""
    return format_money(amount, currency, signed=True)


@register.filter
def amount_class(amount: int | None) -> str:
    """ "positive" or "negative" for colouring an amount; empty for zero."""
    if not amount:
        return ""
    return "positive" if amount > 0 else "negative"
