"""Banking's tables, and the rules about their values: each rule lives on its field (validators, error
messages) or in the model's `clean()`, so the services, the admin, the pages and the API all obey the same
ones. The check constraints repeat the essential ones in the database, as the last line of defence.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from banking.identifiers import Scheme
from banking.money import CURRENCY_CHOICES, CURRENCY_CODES, MAX_AMOUNT, validate_amount, validate_signed_amount
from banking.validators import DATE_ERROR_MESSAGES, validate_country, validate_plausible_date
from saas.money import minor_units
from saas.validators import validate_text


class Category(models.TextChoices):
    GROCERIES = "groceries", "Groceries"
    DINING = "dining", "Dining"
    TRANSPORT = "transport", "Transport"
    HOUSING = "housing", "Housing"
    UTILITIES = "utilities", "Utilities"
    SUBSCRIPTIONS = "subscriptions", "Subscriptions"
    SHOPPING = "shopping", "Shopping"
    ENTERTAINMENT = "entertainment", "Entertainment"
    HEALTH = "health", "Health"
    TRAVEL = "travel", "Travel"
    EDUCATION = "education", "Education"
    INSURANCE = "insurance", "Insurance"
    GIFTS = "gifts", "Gifts & donations"
    FEES = "fees", "Fees"
    INCOME = "income", "Income"
    TRANSFER = "transfer", "Transfer"
    OTHER = "other", "Other"
    # The micro-deposits that prove an account is yours: shown, but never money (balances, spending, income).
    VERIFICATION = "verification", "Verification"


class MinorUnitsField(models.BigIntegerField):
    """Money: a whole number of minor units of the row's currency (cents, yen, fils), never a float."""

    default_error_messages = {"invalid": "Send the amount as a whole number of minor units (cents), e.g. 1250."}

    def to_python(self, value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return value


def choice_error(label: str, choices) -> dict[str, str]:
    """The message for a value outside `choices`, naming them."""
    return {"invalid_choice": f"Choose {label}: one of {', '.join(value for value, _ in choices)}."}


CURRENCY_ERRORS = {
    "invalid_choice": "Unknown currency %(value)s: use a three-letter ISO 4217 code such as USD, EUR or JPY."
}
# Budgets track spending: money coming in, moves between one's own accounts and verification deposits never
# count.
NON_SPENDING_CATEGORIES = frozenset({Category.INCOME, Category.TRANSFER, Category.VERIFICATION})
SPENDING_CATEGORIES = [c for c in Category.choices if c[0] not in NON_SPENDING_CATEGORIES]
# What people may file a transaction under: the verification category belongs to the deposits alone.
USER_CATEGORIES = [c for c in Category.choices if c[0] != Category.VERIFICATION]


def date_field(**kwargs) -> models.DateField:
    return models.DateField(validators=[validate_plausible_date], error_messages=DATE_ERROR_MESSAGES, **kwargs)


class BankAccount(models.Model):
    """An account: at a bank, identified per scheme (banking.identifiers) with its number stored only
    encrypted (banking.crypto), or cash, which has no identifier."""

    class AccountType(models.TextChoices):
        CHECKING = "checking", "Checking"
        SAVINGS = "savings", "Savings"
        CREDIT = "credit", "Credit card"
        CASH = "cash", "Cash"
        LOAN = "loan", "Loan"
        INVESTMENT = "investment", "Investment"

    Scheme = Scheme

    class Status(models.TextChoices):
        PENDING = "pending", "Pending verification"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    class VerificationMethod(models.TextChoices):
        MICRO_DEPOSITS = "micro_deposits", "Micro-deposits"
        NONE = "none", "None needed"

    # Balances of these are money owed: negative while something is owed.
    DEBT_TYPES = frozenset({AccountType.CREDIT, AccountType.LOAN})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_accounts")
    bank_name = models.CharField(max_length=100, blank=True, validators=[validate_text])
    nickname = models.CharField(max_length=100, blank=True, validators=[validate_text])
    account_type = models.CharField(
        max_length=10, choices=AccountType.choices, error_messages=choice_error("a type", AccountType.choices)
    )
    scheme = models.CharField(
        max_length=10, choices=Scheme.choices, error_messages=choice_error("a scheme", Scheme.choices)
    )
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD", error_messages=CURRENCY_ERRORS)
    # The identifier's secret part (account number, or the whole IBAN): AES-256-GCM, bound to this row's id;
    # never shown, never decrypted outside services. Empty for cash.
    account_number_encrypted = models.TextField(blank=True, editable=False)
    # `<key id>:<hmac>` over the owner and the identifier (identifiers.Identifier.fingerprint_data): duplicate
    # detection without decrypting. Empty for cash.
    account_fingerprint = models.CharField(max_length=80, blank=True, editable=False)
    last4 = models.CharField(max_length=4, blank=True)
    # The bank's public codes, by scheme: ABA routing number (us_ach), sort code (uk), BIC (iban, optional).
    routing_number = models.CharField(max_length=9, blank=True)
    sort_code = models.CharField(max_length=6, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    verification_method = models.CharField(
        max_length=20, choices=VerificationMethod.choices, default=VerificationMethod.MICRO_DEPOSITS
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # What the account held at the start of `opening_balance_date` (negative: owed); transactions before
    # that date are already in it. Without a date every transaction counts.
    opening_balance = MinorUnitsField(default=0, validators=[validate_signed_amount])
    opening_balance_date = date_field(null=True, blank=True)
    # The opening balance plus the signed sum of the completed transactions that count (on or after the
    # opening date, not verification deposits), kept by the services with F().
    balance = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "account_fingerprint"],
                condition=~Q(account_fingerprint=""),
                name="bank_account_unique_per_user",
            ),
            models.CheckConstraint(
                condition=Q(account_type__in=["checking", "savings", "credit", "cash", "loan", "investment"]),
                name="bank_account_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "suspended", "closed"]), name="bank_account_status_valid"
            ),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="bank_account_currency_valid"),
            models.CheckConstraint(condition=Q(scheme__in=Scheme.values), name="bank_account_scheme_valid"),
            models.CheckConstraint(
                condition=Q(verification_method__in=["micro_deposits", "none"]),
                name="bank_account_verification_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(last4="") | Q(last4__regex=r"^[0-9A-Z]{4}$"), name="bank_account_last4_digits"
            ),
            models.CheckConstraint(
                condition=Q(scheme="us_ach", routing_number__regex=r"^[0-9]{9}$")
                | (~Q(scheme="us_ach") & Q(routing_number="")),
                name="bank_account_routing_digits",
            ),
            models.CheckConstraint(
                condition=Q(scheme="uk", sort_code__regex=r"^[0-9]{6}$") | (~Q(scheme="uk") & Q(sort_code="")),
                name="bank_account_sort_code_digits",
            ),
            models.CheckConstraint(
                condition=Q(scheme="none", account_type="cash", account_number_encrypted="", account_fingerprint="")
                | (
                    ~Q(scheme="none")
                    & ~Q(account_type="cash")
                    & ~Q(account_number_encrypted="")
                    & ~Q(account_fingerprint="")
                ),
                name="bank_account_identifier_unless_cash",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="bank_account_closed_at_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(opening_balance__gte=-MAX_AMOUNT, opening_balance__lte=MAX_AMOUNT),
                name="bank_account_opening_balance_range",
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at", "id"], name="bank_account_user_idx")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors: dict[str, str] = {}
        is_cash = self.account_type == self.AccountType.CASH
        if is_cash and self.scheme not in ("", Scheme.NONE):
            errors["account_type"] = (
                "Cash has no bank identifier: choose another type, or leave the account numbers and IBAN out."
            )
        elif self.account_type and not is_cash and self.scheme == Scheme.NONE:
            errors["scheme"] = (
                "Only cash has no identifier: send account_number and routing_number (US), iban (and bic), "
                "sort_code and account_number (UK), or account_number alone."
            )
        if not is_cash and not self.bank_name:
            errors["bank_name"] = "Enter the bank's name."
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        return self.nickname or self.bank_name or self.get_account_type_display()

    @property
    def label(self) -> str:
        """The name and the last four characters of its number: how the site names an account."""
        return f"{self.display_name} ····{self.last4}" if self.last4 else self.display_name

    @property
    def masked_number(self) -> str:
        return f"•••• {self.last4}" if self.last4 else ""

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_cash(self) -> bool:
        return self.account_type == self.AccountType.CASH

    @property
    def is_debt(self) -> bool:
        return self.account_type in self.DEBT_TYPES

    @property
    def needs_verification(self) -> bool:
        return self.verification_method == self.VerificationMethod.MICRO_DEPOSITS


class MicroDepositVerification(models.Model):
    """The two small deposits sent to prove the user controls an account; one row per account."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the amounts"
        SUCCEEDED = "succeeded", "Confirmed"
        FAILED = "failed", "Too many wrong attempts"

    MAX_ATTEMPTS = 3
    VALID_DAYS = 10

    bank_account = models.OneToOneField(BankAccount, on_delete=models.CASCADE, related_name="verification")
    amount_1 = models.PositiveSmallIntegerField()
    amount_2 = models.PositiveSmallIntegerField()
    attempts = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    provider = models.CharField(max_length=40)
    provider_reference = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_1__gte=1, amount_1__lte=99, amount_2__gte=1, amount_2__lte=99),
                name="verification_amounts_1_to_99",
            ),
            models.CheckConstraint(condition=Q(attempts__lte=3), name="verification_attempts_at_most_3"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "succeeded", "failed"]), name="verification_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Verification of {self.bank_account_id} ({self.state})"

    @property
    def attempts_left(self) -> int:
        return max(0, self.MAX_ATTEMPTS - self.attempts)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class Transaction(models.Model):
    """Money in or out of one account. `amount` > 0; `signed_amount` is negative when money leaves."""

    class Type(models.TextChoices):
        DEBIT = "debit", "Debit"
        CREDIT = "credit", "Credit"
        TRANSFER = "transfer", "Transfer"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transactions")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="transactions")
    amount = MinorUnitsField(validators=[validate_amount])
    signed_amount = MinorUnitsField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, error_messages=CURRENCY_ERRORS)
    type = models.CharField(max_length=10, choices=Type.choices, error_messages=choice_error("a type", Type.choices))
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.COMPLETED,
        error_messages=choice_error("a status", Status.choices),
    )
    description = models.CharField(
        max_length=255, validators=[validate_text], error_messages={"blank": "Enter a description."}
    )
    category = models.CharField(
        max_length=20,
        choices=Category.choices,
        default=Category.OTHER,
        error_messages=choice_error("a category", Category.choices),
    )
    merchant_name = models.CharField(max_length=100, blank=True, validators=[validate_text])
    transaction_date = date_field()
    posting_date = date_field(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True, validators=[validate_text])
    transfer_pair_id = models.UUIDField(null=True, blank=True, editable=False)
    # On both legs of a transfer between currencies: what the other leg moved, in its currency (the rate).
    counter_amount = models.BigIntegerField(null=True, blank=True, editable=False)
    counter_currency = models.CharField(max_length=3, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-transaction_date", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="transaction_amount_range"),
            models.CheckConstraint(
                condition=Q(signed_amount=F("amount")) | Q(signed_amount=-F("amount")),
                name="transaction_signed_amount_matches",
            ),
            models.CheckConstraint(
                condition=~Q(type="debit") | Q(signed_amount__lt=0), name="transaction_debit_is_outflow"
            ),
            models.CheckConstraint(
                condition=~Q(type="credit") | Q(signed_amount__gt=0), name="transaction_credit_is_inflow"
            ),
            models.CheckConstraint(
                condition=Q(type__in=["debit", "credit", "transfer"]), name="transaction_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "completed", "failed"]), name="transaction_status_valid"
            ),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="transaction_category_valid"),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="transaction_currency_valid"),
            models.CheckConstraint(
                condition=Q(posting_date__isnull=True) | Q(posting_date__gte=F("transaction_date")),
                name="transaction_posting_after_transaction",
            ),
            models.CheckConstraint(
                condition=~Q(type="transfer") | Q(transfer_pair_id__isnull=False),
                name="transaction_transfer_has_pair",
            ),
            models.CheckConstraint(
                condition=Q(counter_amount__isnull=True, counter_currency="")
                | Q(type="transfer", counter_amount__gt=0, counter_currency__in=CURRENCY_CODES),
                name="transaction_counter_only_on_transfers",
            ),
            models.UniqueConstraint(
                fields=["bank_account", "external_id"],
                condition=~Q(external_id=""),
                name="transaction_external_id_unique_per_account",
            ),
        ]
        indexes = [
            # The history: newest first, keyset-paged on (transaction_date, created_at, id).
            models.Index(fields=["user", "-transaction_date", "-created_at", "-id"], name="txn_user_history_idx"),
            models.Index(
                fields=["bank_account", "-transaction_date", "-created_at", "-id"], name="txn_account_history_idx"
            ),
            models.Index(fields=["transfer_pair_id"], condition=Q(transfer_pair_id__isnull=False), name="txn_pair_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_date} {self.description} {self.signed_amount} {self.currency}"

    def clean(self) -> None:
        dates = (self.transaction_date, self.posting_date)
        if all(isinstance(d, datetime.date) for d in dates) and self.posting_date < self.transaction_date:
            raise ValidationError({"posting_date": "The posting date cannot be before the transaction date."})

    @property
    def is_transfer(self) -> bool:
        return self.transfer_pair_id is not None

    @property
    def is_spending(self) -> bool:
        """Counts towards budgets and the spending chart: a debit that did not fail (pending ones count)."""
        return self.type == self.Type.DEBIT and self.status != self.Status.FAILED and not self.is_verification

    @property
    def is_verification(self) -> bool:
        return self.category == Category.VERIFICATION

    def balance_effect(self, opening_date: datetime.date | None) -> int:
        """What this transaction adds to its account's balance, whose opening balance is as of `opening_date`:
        completed ones on or after that date, never the verification deposits."""
        if self.status != self.Status.COMPLETED or self.is_verification:
            return 0
        if opening_date is not None and self.transaction_date < opening_date:
            return 0
        return self.signed_amount

    @property
    def rate(self) -> tuple[str, str, Decimal] | None:
        """A transfer between currencies as (currency sent, currency received, units received per unit sent)."""
        if self.counter_amount is None:
            return None
        mine, theirs = (self.amount, self.currency), (self.counter_amount, self.counter_currency)
        (sent, sent_in), (received, received_in) = (mine, theirs) if self.signed_amount < 0 else (theirs, mine)
        value = Decimal(received).scaleb(-minor_units(received_in)) / Decimal(sent).scaleb(-minor_units(sent_in))
        return sent_in, received_in, value


class Budget(models.Model):
    """A spending limit for one category, per week, month or year, in one currency."""

    class Period(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        YEARLY = "yearly", "Yearly"

    MAX_PER_USER = 100

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budgets")
    name = models.CharField(max_length=100, validators=[validate_text], error_messages={"blank": "Enter a name."})
    category = models.CharField(
        max_length=20, choices=Category.choices, error_messages=choice_error("a spending category", SPENDING_CATEGORIES)
    )
    amount = MinorUnitsField(validators=[validate_amount])
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD", error_messages=CURRENCY_ERRORS)
    period = models.CharField(
        max_length=10,
        choices=Period.choices,
        default=Period.MONTHLY,
        error_messages=choice_error("a period", Period.choices),
    )
    start_date = date_field()
    end_date = date_field(null=True, blank=True)
    is_active = models.BooleanField(default=True, error_messages={"invalid": "Choose true or false."})
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="budget_amount_range"),
            models.CheckConstraint(condition=Q(period__in=["weekly", "monthly", "yearly"]), name="budget_period_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="budget_category_valid"),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="budget_currency_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="budget_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at", "id"], name="budget_user_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.category in NON_SPENDING_CATEGORIES:
            errors["category"] = self._meta.get_field("category").error_messages["invalid_choice"]
        dates = (self.start_date, self.end_date)
        if all(isinstance(d, datetime.date) for d in dates) and self.end_date < self.start_date:
            errors["end_date"] = "The end date is before the start date: pick a later end date."
        if errors:
            raise ValidationError(errors)


class DailySpending(models.Model):
    """Spending per user, day, category and currency: what the dashboard chart and budgets read.

    Spending means debits that did not fail. The services keep these sums in the same database
    transaction as the transactions they summarise; `spending_rebuild` recomputes them from scratch
    (after bulk loads and account removal). Reading a month or a year costs a few hundred rows at most,
    whatever the number of transactions.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    category = models.CharField(max_length=20, choices=Category.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "category", "currency"], name="daily_spending_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="daily_spending_not_negative"),
        ]
        # The unique constraint's index serves date ranges (the chart); this one serves budgets.
        indexes = [models.Index(fields=["user", "category", "currency", "day"], name="daily_spending_budget_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.amount} {self.currency}"
