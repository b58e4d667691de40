import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from banking.money import CURRENCY_CHOICES, CURRENCY_CODES, MAX_AMOUNT


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


class BankAccount(models.Model):
    """A linked bank account. The full number is stored only encrypted (banking.crypto)."""

    class AccountType(models.TextChoices):
        CHECKING = "checking", "Checking"
        SAVINGS = "savings", "Savings"
        CREDIT = "credit", "Credit card"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending verification"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class VerificationMethod(models.TextChoices):
        MICRO_DEPOSITS = "micro_deposits", "Micro-deposits"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_accounts")
    bank_name = models.CharField(max_length=100)
    nickname = models.CharField(max_length=100, blank=True)
    account_type = models.CharField(max_length=10, choices=AccountType.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    # AES-256-GCM, bound to this row's id; never shown, never decrypted outside services.
    account_number_encrypted = models.TextField(editable=False)
    # `<key id>:<hmac>` over (user, routing number, account number): duplicate detection without decrypting.
    account_fingerprint = models.CharField(max_length=80, editable=False)
    last4 = models.CharField(max_length=4)
    routing_number = models.CharField(max_length=9)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    verification_method = models.CharField(
        max_length=20, choices=VerificationMethod.choices, default=VerificationMethod.MICRO_DEPOSITS
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Signed sum of this account's completed transactions in minor units, kept by the services with F().
    balance = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account_fingerprint"], name="bank_account_unique_per_user"),
            models.CheckConstraint(
                condition=Q(account_type__in=["checking", "savings", "credit"]), name="bank_account_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "suspended"]), name="bank_account_status_valid"
            ),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="bank_account_currency_valid"),
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{4}$"), name="bank_account_last4_digits"),
            models.CheckConstraint(
                condition=Q(routing_number__regex=r"^[0-9]{9}$"), name="bank_account_routing_digits"
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at", "id"], name="bank_account_user_idx")]

    def __str__(self) -> str:
        return f"{self.display_name} ····{self.last4}"

    @property
    def display_name(self) -> str:
        return self.nickname or self.bank_name

    @property
    def masked_number(self) -> str:
        return f"•••• {self.last4}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


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
    amount = models.BigIntegerField()
    signed_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    type = models.CharField(max_length=10, choices=Type.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPLETED)
    description = models.CharField(max_length=255)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    merchant_name = models.CharField(max_length=100, blank=True)
    transaction_date = models.DateField()
    posting_date = models.DateField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    transfer_pair_id = models.UUIDField(null=True, blank=True, editable=False)
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

    @property
    def is_transfer(self) -> bool:
        return self.transfer_pair_id is not None

    @property
    def is_spending(self) -> bool:
        """Counts towards budgets and the spending chart: a debit that did not fail (pending ones count)."""
        return self.type == self.Type.DEBIT and self.status != self.Status.FAILED

    @property
    def balance_effect(self) -> int:
        """What this transaction adds to its account's balance: only completed ones count."""
        return self.signed_amount if self.status == self.Status.COMPLETED else 0


class Budget(models.Model):
    """A spending limit for one category, per week, month or year, in one currency."""

    class Period(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        YEARLY = "yearly", "Yearly"

    MAX_PER_USER = 100

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budgets")
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=Category.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTHLY)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
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
