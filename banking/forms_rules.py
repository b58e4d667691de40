"""Page forms for categories, rules and alert settings. They parse what a person typed (amounts into minor
units, rows of conditions into the stored shape); the models and services decide what is valid."""

from typing import Any

from django import forms

from banking.forms import CATEGORY_CHOICE_ERRORS, _parse_amount_field, amount_input, category_choices, choice_field
from banking.models import BankAccount, CategoryKind, Rule
from banking.money import parse_signed_amount, to_decimal_string

ROW_FIELDS = [("description", "Description"), ("merchant_name", "Merchant"), ("amount", "Amount")]
ROW_OPS = [
    ("contains", "contains"),
    ("equals", "is"),
    ("starts_with", "starts with"),
    ("regex", "matches the regex"),
    ("gt", "is more than"),
    ("lt", "is less than"),
    ("between", "is between"),
]
TYPE_CHOICES = [("", "Any type"), ("debit", "Money out (debit)"), ("credit", "Money in (credit)"),
                ("transfer", "Transfer")]  # fmt: skip
MIN_ROWS = 3


class CategoryForm(forms.Form):
    name = forms.CharField(label="Name", max_length=40)
    kind = forms.ChoiceField(
        label="Counts as",
        choices=CategoryKind.choices,
        initial=CategoryKind.EXPENSE,
        help_text="Expense categories count as spending (budgets, the chart); income as income; transfer as neither.",
    )
    color = forms.CharField(label="Colour", max_length=7, widget=forms.TextInput(attrs={"type": "color"}))


class RuleForm(forms.Form):
    """A rule as rows of conditions (empty rows are ignored), an account and a type, and what to set."""

    name = forms.CharField(label="Name", max_length=100)
    match = forms.ChoiceField(label="Applies when", choices=Rule.Match.choices, initial="all", widget=forms.RadioSelect)
    bank_account = forms.ChoiceField(label="Account", required=False, help_text="Also a condition, when chosen.")
    type = forms.ChoiceField(label="Type", required=False, choices=TYPE_CHOICES, help_text="Also a condition.")
    set_category = forms.ChoiceField(label="Set the category to", required=False, error_messages=CATEGORY_CHOICE_ERRORS)
    set_merchant_name = forms.CharField(
        label="Set the merchant to",
        required=False,
        max_length=100,
        help_text="{1} stands for what a regex captured in its first ( ).",
    )
    set_description = forms.CharField(label="Set the description to", required=False, max_length=255)
    priority = forms.IntegerField(
        label="Priority", min_value=0, max_value=1_000_000, initial=Rule.DEFAULT_PRIORITY,
        help_text="Lower runs first; the first rule that sets a field wins.",
    )  # fmt: skip
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, categories, accounts: list[BankAccount], currency: str, rows: int = MIN_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.accounts = {str(a.pk): a for a in accounts}
        choice_field(self, "bank_account").choices = [("", "Any account"), *((str(a.pk), a.label) for a in accounts)]
        choice_field(self, "set_category").choices = [("", "Leave as it is"), *category_choices(categories)]
        self.rows = rows
        for n in range(rows):
            self.fields[f"field_{n}"] = forms.ChoiceField(label="Field", choices=ROW_FIELDS, required=False)
            self.fields[f"op_{n}"] = forms.ChoiceField(label="Condition", choices=ROW_OPS, required=False)
            self.fields[f"value_{n}"] = forms.CharField(label="Value", max_length=200, required=False)
            self.fields[f"value2_{n}"] = forms.CharField(
                label="and", max_length=24, required=False, widget=amount_input(placeholder="max, for between")
            )

    @classmethod
    def initial_for(cls, rule: Rule, currency: str) -> tuple[dict[str, Any], int]:
        """A stored rule as the form's initial values, and how many condition rows it needs."""
        initial: dict[str, Any] = {
            "name": rule.name, "match": rule.match, "priority": rule.priority, "is_active": rule.is_active,
            "set_category": rule.actions.get("category", ""),
            "set_merchant_name": rule.actions.get("merchant_name", ""),
            "set_description": rule.actions.get("description", ""),
        }  # fmt: skip
        n = 0
        for condition in rule.conditions:
            field, op, value = condition["field"], condition["op"], condition["value"]
            if field == "bank_account_id":
                initial["bank_account"] = value
                continue
            if field == "type":
                initial["type"] = value
                continue
            initial[f"field_{n}"], initial[f"op_{n}"] = field, op
            if field == "amount":
                low, high = value if op == "between" else (value, None)
                initial[f"value_{n}"] = to_decimal_string(low, currency)
                initial[f"value2_{n}"] = to_decimal_string(high, currency) if high is not None else ""
            else:
                initial[f"value_{n}"] = value
            n += 1
        return initial, max(MIN_ROWS, n + 1)

    def row_fields(self):
        for n in range(self.rows):
            yield [self[f"field_{n}"], self[f"op_{n}"], self[f"value_{n}"], self[f"value2_{n}"]]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        conditions: list[dict[str, Any]] = []
        for n in range(self.rows):
            value = (cleaned.get(f"value_{n}") or "").strip()
            if not value:
                continue
            field, op = cleaned.get(f"field_{n}") or "description", cleaned.get(f"op_{n}") or "contains"
            if field == "amount":
                low = _parse_amount_field(self, f"value_{n}", self.currency)
                if op == "between":
                    high = _parse_amount_field(self, f"value2_{n}", self.currency)
                    value = [low, high]
                else:
                    value = low
            conditions.append({"field": field, "op": op, "value": value})
        if cleaned.get("bank_account"):
            conditions.append({"field": "bank_account_id", "op": "equals", "value": cleaned["bank_account"]})
        if cleaned.get("type"):
            conditions.append({"field": "type", "op": "equals", "value": cleaned["type"]})
        actions = {
            name: cleaned[f"set_{name}"].strip()
            for name in ("category", "merchant_name", "description")
            if (cleaned.get(f"set_{name}") or "").strip()
        }
        cleaned["rule"] = {
            "name": cleaned.get("name", ""),
            "match": cleaned.get("match") or "all",
            "priority": cleaned.get("priority") if cleaned.get("priority") is not None else Rule.DEFAULT_PRIORITY,
            "is_active": bool(cleaned.get("is_active")),
            "conditions": conditions,
            "actions": actions,
        }
        return cleaned


class AlertSettingsForm(forms.Form):
    """The alert settings page: thresholds as typed ("80, 100"), amounts in each account's currency."""

    email = forms.BooleanField(label="Send me alerts by e-mail", required=False)
    budget_thresholds = forms.CharField(
        label="Budget alerts at",
        required=False,
        max_length=40,
        help_text="Percentages of a budget's limit, separated by commas, e.g. 80, 100. Empty: none.",
    )
    bill_due_days = forms.IntegerField(
        label="Bills due within (days)",
        required=False,
        min_value=0,
        max_value=60,
        help_text="For confirmed recurring payments. Empty: no bill alerts.",
    )

    def __init__(self, *args, accounts: list[BankAccount], currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = accounts
        self.currencies = currencies
        for currency in currencies:
            self.fields[f"large_{currency}"] = forms.CharField(
                label=f"Transactions over ({currency})", required=False, max_length=24, widget=amount_input(),
                help_text="Empty: no alert.",
            )  # fmt: skip
        for account in accounts:
            self.fields[f"low_{account.pk}"] = forms.CharField(
                label=f"{account.label} below ({account.currency})", required=False, max_length=24,
                widget=amount_input(), help_text="Empty: no alert.",
            )  # fmt: skip

    @classmethod
    def initial_for(cls, prefs, accounts: list[BankAccount]) -> dict[str, Any]:
        by_id = {str(a.pk): a for a in accounts}
        initial: dict[str, Any] = {
            "email": prefs.email,
            "budget_thresholds": ", ".join(str(t) for t in prefs.budget_thresholds or []),
            "bill_due_days": prefs.bill_due_days,
        }
        for currency, amount in (prefs.large_transaction_over or {}).items():
            initial[f"large_{currency}"] = to_decimal_string(amount, currency)
        for item in prefs.low_balance or []:
            account = by_id.get(str(item["bank_account_id"]))
            if account is not None:
                initial[f"low_{account.pk}"] = to_decimal_string(item["below"], account.currency)
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        thresholds = []
        for part in (cleaned.get("budget_thresholds") or "").replace("%", "").split(","):
            if part.strip():
                try:
                    thresholds.append(int(part))
                except ValueError:
                    self.add_error("budget_thresholds", "Type whole percentages separated by commas, e.g. 80, 100.")
                    break
        large = {}
        for currency in self.currencies:
            if cleaned.get(f"large_{currency}"):
                large[currency] = _parse_amount_field(self, f"large_{currency}", currency)
        low = []
        for account in self.accounts:
            if cleaned.get(f"low_{account.pk}"):
                below = _parse_amount_field(self, f"low_{account.pk}", account.currency, parse=parse_signed_amount)
                low.append({"bank_account_id": str(account.pk), "below": below})
        cleaned["changes"] = {
            "email": bool(cleaned.get("email")),
            "budget_thresholds": thresholds,
            "bill_due_days": cleaned.get("bill_due_days"),
            "large_transaction_over": large,
            "low_balance": low,
        }
        return cleaned
