"""The insights page's range picker: a plain GET form (`from`, `to`, `currency`) with the API's rules."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from banking.forms import choice_field
from banking.selectors.insights import InsightsPeriod

DATE_ERRORS = {"invalid": "Enter a real date, for example 2026-03-31."}


class InsightsForm(forms.Form):
    """`from` and `to` are Python keywords, so the fields are added by name below the class."""

    currency = forms.ChoiceField(required=False, label="Currency")

    def __init__(self, *args, currencies: list[str], today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        choice_field(self, "currency").choices = [(c, c) for c in currencies]
        self.fields["from"].widget.attrs["max"] = self.fields["to"].widget.attrs["max"] = today.isoformat()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            data["period"] = InsightsPeriod.from_dates(start=data.get("from"), end=data.get("to"), today=self.today)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name, message)
        return data


InsightsForm.base_fields["from"] = forms.DateField(
    required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}), error_messages=DATE_ERRORS
)
InsightsForm.base_fields["to"] = forms.DateField(
    required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}), error_messages=DATE_ERRORS
)
InsightsForm.base_fields = {name: InsightsForm.base_fields[name] for name in ("from", "to", "currency")}
