"""Bank accounts (identified per scheme, or cash) and the micro-deposits that verify US ones."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from banking.identifiers import Scheme
from banking.models.fields import CURRENCY_ERRORS, MinorUnitsField, choice_error, date_field
from banking.money import CURRENCY_CHOICES, CURRENCY_CODES, MAX_AMOUNT, validate_signed_amount
from banking.validators import validate_country
from saas.validators import validate_text


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
    # When they were chosen (the 10 days count from here), and when the provider took them (a background task).
    sent_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
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
