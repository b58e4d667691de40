"""The import pages' forms: the upload, and the CSV mapping wizard. They only parse; the importers and the
services decide what is valid."""

from typing import Any

from django import forms

from banking.forms import ACCOUNT_CHOICE_ERRORS, _account_choices, choice_field
from banking.importers.mapping import COLUMN_KEYS
from banking.models import BankAccount


class ImportUploadForm(forms.Form):
    bank_account_id = forms.ChoiceField(label="Into account", error_messages=ACCOUNT_CHOICE_ERRORS)
    file = forms.FileField(
        label="Bank file",
        help_text="OFX, QFX, QIF, CAMT.053 (XML) or CSV, as your bank's website exports it.",
        error_messages={"required": "Choose the file your bank gave you.", "empty": "The file is empty."},
    )

    def __init__(self, *args, accounts: list[BankAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = {str(a.pk): a for a in accounts}
        choice_field(self, "bank_account_id").choices = _account_choices(accounts)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["bank_account"] = self.accounts.get(cleaned.get("bank_account_id") or "")
        return cleaned


# Date formats offered in the mapping wizard (any strptime format with a day, month and year also works).
MAPPING_DATE_FORMATS = [
    ("%Y-%m-%d", "2025-03-31 (YYYY-MM-DD)"),
    ("%d/%m/%Y", "31/03/2025 (DD/MM/YYYY)"),
    ("%m/%d/%Y", "03/31/2025 (MM/DD/YYYY)"),
    ("%d.%m.%Y", "31.03.2025 (DD.MM.YYYY)"),
    ("%d-%m-%Y", "31-03-2025 (DD-MM-YYYY)"),
    ("%d/%m/%y", "31/03/25 (DD/MM/YY)"),
    ("%m/%d/%y", "03/31/25 (MM/DD/YY)"),
    ("%d.%m.%y", "31.03.25 (DD.MM.YY)"),
    ("%d %b %Y", "31 Mar 2025"),
    ("%b %d, %Y", "Mar 31, 2025"),
    ("%Y%m%d", "20250331 (YYYYMMDD)"),
]


class ImportMappingForm(forms.Form):
    """Which column of a CSV file holds what; the choices are the file's own columns."""

    date = forms.ChoiceField(
        label="Date", error_messages={"required": "Choose the column that holds each transaction's date."}
    )
    date_format = forms.ChoiceField(label="Dates are written as", choices=MAPPING_DATE_FORMATS, required=False)
    amount = forms.ChoiceField(label="Amount (signed)", required=False, help_text="Or use the two columns below.")
    debit = forms.ChoiceField(label="Money out (debit)", required=False)
    credit = forms.ChoiceField(label="Money in (credit)", required=False)
    decimal_separator = forms.ChoiceField(
        label="Decimal separator", choices=[(".", "Point: 1,234.56"), (",", "Comma: 1.234,56")]
    )
    negate = forms.BooleanField(
        label="Amounts have the opposite sign (money out is positive)", required=False, help_text="Some card exports."
    )
    description = forms.ChoiceField(
        label="Description", error_messages={"required": "Choose the column that describes each transaction."}
    )
    merchant_name = forms.ChoiceField(label="Payee / merchant", required=False)
    external_id = forms.ChoiceField(
        label="Reference", required=False, help_text="Only a column that is different on every transaction."
    )
    category = forms.ChoiceField(label="Category", required=False)
    field_order = ["date", "date_format", "description", "merchant_name", "amount", "debit", "credit",
                   "decimal_separator", "negate", "external_id", "category"]  # fmt: skip

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in COLUMN_KEYS:
            choice_field(self, name).choices = [("", "—"), *((c, c) for c in columns)]
        guessed = (self.initial or {}).get("date_format")
        if guessed and guessed not in dict(MAPPING_DATE_FORMATS):
            choice_field(self, "date_format").choices = [(guessed, guessed), *MAPPING_DATE_FORMATS]

    def mapping(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)} | {
            "negate": bool(self.cleaned_data.get("negate"))
        }
