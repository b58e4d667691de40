"""Page forms. They only parse what a person typed into Python values (amounts into minor units of the
right currency, dates into dates); the models and services decide what is valid, for the pages, the API
and the admin alike, and `apply_service_errors` puts their messages next to the fields.
"""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from banking.identifiers import IDENTIFIER_FIELDS, SCHEME_FIELDS, Scheme, implied_country
from banking.models import BankAccount, Budget, Category, DefaultCategory, Transaction
from banking.money import (
    CURRENCY_CHOICES,
    default_currency,
    get_currency,
    parse_amount,
    parse_signed_amount,
    to_decimal_string,
)
from banking.selectors import TransactionFilters
from banking.validators import DATE_ERROR_MESSAGES, country_choices
from saas.widgets import FastDateInput, FastSelect, FastTextInput

DATE_FORMATS = ["%Y-%m-%d"]
# Until a page hands over the user's own categories (`categories=`): the default set, less the system's.
DEFAULT_CHOICES = [c for c in DefaultCategory.choices if c[0] != Category.VERIFICATION]
CATEGORY_CHOICE_ERRORS = {"invalid_choice": "Choose one of your categories from the list."}


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field `name`, declared as a ChoiceField (django-stubs types `form.fields` as plain Fields)."""
    return cast(forms.ChoiceField, form.fields[name])


def category_choices(categories, *, spending: bool = False) -> list[tuple[str, str]]:
    """(slug, name) of the categories a person may choose (spending ones only for budgets)."""
    if categories is None:
        return DEFAULT_CHOICES
    return [(c.slug, c.name) for c in categories if not c.is_system and (c.is_spending or not spending)]


class DateInput(FastDateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SecretTextInput(forms.TextInput):
    """A text box that never writes its value back into the page (an account number stays out of HTML)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


def date_field(label: str, *, required: bool = True, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages=DATE_ERROR_MESSAGES,
        **kwargs,
    )


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's per-field messages on the form's fields (unknown names become form-wide errors)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def _parse_amount_field(form: forms.Form, field: str, currency: str | None, *, parse=parse_amount) -> int | None:
    if field not in form.cleaned_data or not currency:
        return None
    raw = form.cleaned_data[field]
    try:
        return parse(raw, currency)
    except ValidationError as error:
        form.add_error(field, error)
        return None


def amount_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


class OpeningBalanceFields(forms.Form):
    opening_balance = forms.CharField(
        label="Opening balance",
        max_length=24,
        required=False,
        help_text="What the account held on the opening date, e.g. 1,234.50; for a card or loan, what you owe "
        "as -1,234.50.",
        widget=amount_input(),
    )
    opening_balance_date = date_field(
        "Opening date", required=False, help_text="Transactions before this date are already in the opening balance."
    )

    def clean_opening(self, cleaned: dict[str, Any], currency: str | None) -> None:
        if cleaned.get("opening_balance"):
            cleaned["opening_balance"] = _parse_amount_field(
                self, "opening_balance", currency, parse=parse_signed_amount
            )
        elif "opening_balance" in cleaned:
            cleaned["opening_balance"] = 0


class BankAccountForm(OpeningBalanceFields):
    """Linking an account. The identifier fields shown depend on the scheme chosen (CSS, no script needed);
    only the chosen scheme's fields are sent on."""

    account_type = forms.ChoiceField(label="Type", choices=BankAccount.AccountType.choices)
    bank_name = forms.CharField(
        label="Bank",
        max_length=100,
        required=False,
        help_text="Leave empty for cash.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    nickname = forms.CharField(
        label="Nickname", max_length=100, required=False, help_text="How the account appears here."
    )
    country = forms.ChoiceField(
        label="Country",
        required=False,
        choices=[("", "From the account number"), *country_choices()],
    )
    currency = forms.ChoiceField(
        label="Currency", required=False, choices=[("", "The country's currency"), *CURRENCY_CHOICES]
    )
    scheme = forms.ChoiceField(
        label="How your bank identifies it",
        required=False,
        choices=[c for c in Scheme.choices if c[0] != Scheme.NONE],
        initial=Scheme.US_ACH,
        widget=forms.RadioSelect,
    )
    routing_number = forms.CharField(
        label="Routing number",
        max_length=20,
        required=False,
        help_text="The 9 digits at the bottom left of a check.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    sort_code = forms.CharField(
        label="Sort code",
        max_length=10,
        required=False,
        help_text="6 digits, e.g. 12-34-56.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        required=False,
        help_text="Starts with the country code, e.g. DE89 3704 0044 0532 0130 00. Stored encrypted.",
        widget=SecretTextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    bic = forms.CharField(
        label="BIC (SWIFT code)",
        max_length=15,
        required=False,
        help_text="Optional: 8 or 11 characters.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=40,
        required=False,
        help_text="It is stored encrypted and only its last four characters are shown.",
        widget=SecretTextInput(attrs={"autocomplete": "off"}),
    )
    field_order = ["account_type", "bank_name", "nickname", "country", "currency", "scheme", "routing_number",
                   "sort_code", "iban", "bic", "account_number", "opening_balance", "opening_balance_date"]  # fmt: skip

    # Not required by the form, which cannot know the scheme yet, but needed for it: not marked "(optional)".
    NEEDED = frozenset({"bank_name", "routing_number", "sort_code", "iban", "account_number"})

    def rows(self):
        """Each field with the schemes it belongs to ("" for every scheme) and whether it is needed."""
        for field in self:
            schemes = " ".join(s for s, names in SCHEME_FIELDS.items() if field.name in names)
            if field.name == "scheme":
                schemes = " ".join(s for s in SCHEME_FIELDS if s != Scheme.NONE)
            yield field, schemes, field.name in self.NEEDED

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        scheme: str | None
        if cleaned.get("account_type") == BankAccount.AccountType.CASH:
            scheme = Scheme.NONE
        else:
            scheme = cleaned.get("scheme") or None
        wanted = SCHEME_FIELDS[scheme] if scheme else IDENTIFIER_FIELDS
        for name in IDENTIFIER_FIELDS:
            value = cleaned.get(name)
            # The chosen scheme's fields go on as typed (an empty one is reported missing); the others not at all.
            cleaned[name] = value if name in wanted and (scheme or value) else None
        cleaned["scheme"] = scheme
        cleaned["country"] = cleaned.get("country") or None
        cleaned["currency"] = cleaned.get("currency") or None
        country = cleaned["country"] or implied_country(scheme, cleaned)
        self.clean_opening(cleaned, cleaned["currency"] or default_currency(country) or "USD")
        return cleaned


class BankAccountEditForm(OpeningBalanceFields):
    bank_name = forms.CharField(label="Bank", max_length=100, required=False)
    nickname = forms.CharField(label="Nickname", max_length=100, required=False)
    field_order = ["nickname", "bank_name", "opening_balance", "opening_balance_date"]

    def __init__(self, *args, account: BankAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["bank_name"].required = not account.is_cash

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.clean_opening(cleaned, self.account.currency)
        return cleaned


class VerifyForm(forms.Form):
    amount_1 = forms.CharField(label="First deposit", max_length=12)
    amount_2 = forms.CharField(label="Second deposit", max_length=12)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = get_currency(currency)
        example = to_decimal_string(32, self.currency.code)
        for name in ("amount_1", "amount_2"):
            self.fields[name].help_text = f"As it appears in your transactions, e.g. {example}."
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["amounts"] = [_parse_amount_field(self, name, self.currency.code) for name in ("amount_1", "amount_2")]
        return cleaned


ACCOUNT_CHOICE_ERRORS = {"invalid_choice": "Pick one of your accounts from the list."}


def _account_choices(accounts: list[BankAccount]) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.label} ({a.currency})") for a in accounts]


class TransactionForm(forms.Form):
    bank_account_id = forms.ChoiceField(label="Account", error_messages=ACCOUNT_CHOICE_ERRORS)
    type = forms.ChoiceField(
        label="Type", choices=[("debit", "Money out (debit)"), ("credit", "Money in (credit)")], initial="debit"
    )
    amount = forms.CharField(
        label="Amount",
        max_length=24,
        help_text="In the account's currency, without a minus sign, e.g. 1,234.50.",
        widget=amount_input(),
    )
    transaction_date = date_field("Date")
    description = forms.CharField(label="Description", max_length=255)
    merchant_name = forms.CharField(label="Merchant", max_length=100, required=False)
    category = forms.ChoiceField(
        label="Category", choices=DEFAULT_CHOICES, initial=Category.OTHER, error_messages=CATEGORY_CHOICE_ERRORS
    )
    status = forms.ChoiceField(label="Status", choices=Transaction.Status.choices, initial="completed")
    posting_date = date_field("Posting date", required=False)

    def __init__(self, *args, accounts: list[BankAccount], categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = category_choices(categories)
        self.accounts = {str(a.pk): a for a in accounts}
        choice_field(self, "bank_account_id").choices = _account_choices(accounts)
        self.fields["transaction_date"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        account = self.accounts.get(cleaned.get("bank_account_id") or "")
        cleaned["bank_account"] = account
        if account is not None:
            cleaned["amount"] = _parse_amount_field(self, "amount", account.currency)
        return cleaned


class TransferEditForm(forms.Form):
    """What can change on one leg of a transfer."""

    description = forms.CharField(label="Description", max_length=255)
    merchant_name = forms.CharField(label="Merchant", max_length=100, required=False)
    category = forms.ChoiceField(label="Category", choices=DEFAULT_CHOICES, error_messages=CATEGORY_CHOICE_ERRORS)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = category_choices(categories)


class TransferForm(forms.Form):
    from_account_id = forms.ChoiceField(label="From", error_messages=ACCOUNT_CHOICE_ERRORS)
    to_account_id = forms.ChoiceField(label="To", error_messages=ACCOUNT_CHOICE_ERRORS)
    amount = forms.CharField(
        label="Amount",
        max_length=24,
        help_text="What leaves the first account, in its currency.",
        widget=amount_input(),
    )
    to_amount = forms.CharField(
        label="Received",
        max_length=24,
        required=False,
        help_text="Only between currencies: what arrives, in the receiving account's currency.",
        widget=amount_input(),
    )
    transaction_date = date_field("Date")
    description = forms.CharField(label="Description", max_length=255, required=False, help_text="Optional.")

    def __init__(self, *args, accounts: list[BankAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = {str(a.pk): a for a in accounts}
        choices = _account_choices(accounts)
        choice_field(self, "from_account_id").choices = choices
        choice_field(self, "to_account_id").choices = choices
        if len(choices) > 1:
            self.fields["to_account_id"].initial = choices[1][0]
        self.fields["transaction_date"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        source = self.accounts.get(cleaned.get("from_account_id") or "")
        target = self.accounts.get(cleaned.get("to_account_id") or "")
        cleaned["from_account"], cleaned["to_account"] = source, target
        if source is not None:
            cleaned["amount"] = _parse_amount_field(self, "amount", source.currency)
        if cleaned.get("to_amount") and target is not None:
            cleaned["to_amount"] = _parse_amount_field(self, "to_amount", target.currency)
        else:
            cleaned["to_amount"] = None
        return cleaned


class BudgetForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    category = forms.ChoiceField(label="Category", choices=DEFAULT_CHOICES, error_messages=CATEGORY_CHOICE_ERRORS)
    amount = forms.CharField(
        label="Limit",
        max_length=24,
        help_text="The most you want to spend in each period.",
        widget=amount_input(),
    )
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, initial="USD")
    period = forms.ChoiceField(label="Period", choices=Budget.Period.choices, initial="monthly")
    start_date = date_field("Starts")
    end_date = date_field("Ends", required=False, help_text="Optional: leave empty for an ongoing budget.")
    # The range and the monthly-only rule are the model's (Budget.clean), reported here through the service.
    period_start_day = forms.IntegerField(
        label="First day of the month",
        required=False,
        help_text="Monthly budgets only: the day your budget month begins, such as payday (1 to 28). Empty: the 1st.",
        widget=forms.NumberInput(attrs={"min": 1, "max": 28, "inputmode": "numeric"}),
        error_messages={"invalid": "Choose a day of the month from 1 to 28."},
    )
    rollover = forms.BooleanField(
        label="Roll over",
        required=False,
        help_text="Carry what is left (or overspent) into the next period.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = [
            c for c in category_choices(categories, spending=True) if categories is not None or c[0] not in
            (Category.INCOME, Category.TRANSFER)
        ]  # fmt: skip
        self.fields["start_date"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("currency"):
            cleaned["amount"] = _parse_amount_field(self, "amount", cleaned["currency"])
        return cleaned


class TransactionFilterForm(forms.Form):
    account = forms.ChoiceField(
        label="Account", required=False, error_messages=ACCOUNT_CHOICE_ERRORS, widget=FastSelect
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "All categories"), *DefaultCategory.choices],
        widget=FastSelect,
        error_messages=CATEGORY_CHOICE_ERRORS,
    )
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "All types"), *Transaction.Type.choices], widget=FastSelect
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All statuses"), *Transaction.Status.choices], widget=FastSelect
    )
    date_from = date_field("From", required=False)
    date_to = date_field("To", required=False)
    q = forms.CharField(label="Search", required=False, max_length=100, widget=FastTextInput)

    def __init__(self, *args, accounts: list[BankAccount], categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:  # every one of the user's, the system's included: it is only a filter
            choice_field(self, "category").choices = [("", "All categories"), *((c.slug, c.name) for c in categories)]
        # Without the currency: the filter's box is narrow on a phone, and a name cut short is no use.
        choice_field(self, "account").choices = [("", "All accounts"), *((str(a.pk), a.label) for a in accounts)]
        self.fields["q"].widget.attrs.update({"placeholder": "Description or merchant", "type": "search"})

    def filters(self) -> TransactionFilters | None:
        """The chosen filters (the form must be valid); a rule they break goes onto the form as an error."""
        try:
            return TransactionFilters(**{k: v or None for k, v in self.cleaned_data.items()})
        except ValidationError as error:
            apply_service_errors(self, error)
            return None
