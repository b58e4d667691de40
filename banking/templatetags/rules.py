"""`{% rule_conditions rule currency %}` and `{% rule_actions rule names %}`: a rule in words."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from banking.money import format_money

register = template.Library()

FIELD_WORDS = {"description": "description", "merchant_name": "merchant", "amount": "amount",
               "bank_account_id": "account", "type": "type"}  # fmt: skip
OP_WORDS = {"contains": "contains", "equals": "is", "starts_with": "starts with", "regex": "matches",
            "gt": "is more than", "lt": "is less than", "between": "is between"}  # fmt: skip


def _value(condition: dict, currency: str, accounts: dict) -> str:
    value = condition["value"]
    if condition["field"] == "amount":
        if condition["op"] == "between":
            return f"{format_money(value[0], currency)} and {format_money(value[1], currency)}"
        return format_money(value, currency)
    if condition["field"] == "bank_account_id":
        return accounts.get(value, "an account")
    return f"“{value}”"


@register.simple_tag
def rule_conditions(rule, currency: str = "USD", accounts=None) -> SafeString:
    joiner = " and " if rule.match == "all" else " or "
    parts = [
        f"{FIELD_WORDS[c['field']]} {OP_WORDS[c['op']]} <code>{escape(_value(c, currency, accounts or {}))}</code>"
        for c in rule.conditions
    ]
    return mark_safe(joiner.join(parts))  # noqa: S308 - every value is escaped


@register.simple_tag
def rule_actions(rule, names=None) -> SafeString:
    names = names or {}
    parts = []
    if "category" in rule.actions:
        parts.append(f"category → {escape(names.get(rule.actions['category'], rule.actions['category']))}")
    if "merchant_name" in rule.actions:
        parts.append(f"merchant → {escape(rule.actions['merchant_name'])}")
    if "description" in rule.actions:
        parts.append(f"description → {escape(rule.actions['description'])}")
    return mark_safe("<br>".join(parts))  # noqa: S308 - every value is escaped
