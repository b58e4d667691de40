"""Template filters for billing pages: intervals and status badges (money is `{% load money %}`)."""

from django import template

register = template.Library()

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
def interval_label(interval: str) -> str:
    """ "month" -> "month", "year" -> "year"; anything odd shown as given."""
    return {"day": "day", "week": "week", "month": "month", "year": "year"}.get(interval or "", interval or "")


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status or "", "")


@register.filter
def status_label(status: str) -> str:
    return (status or "").replace("_", " ").capitalize()
