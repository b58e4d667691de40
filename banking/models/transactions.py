"""Transactions, and the daily spending sums kept in step with them."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from banking.models.bank_accounts import BankAccount
from banking.models.categories import Category, validate_category_field
from banking.models.fields import CURRENCY_ERRORS, MinorUnitsField, choice_error, date_field
from banking.money import CURRENCY_CHOICES, CURRENCY_CODES, MAX_AMOUNT, validate_amount
from saas.money import minor_units
from saas.validators import validate_text


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
    # The slug of one of the owner's categories (banking.models.categories), checked by `clean()`.
    category = models.CharField(max_length=20, default=Category.OTHER)
    merchant_name = models.CharField(max_length=100, blank=True, validators=[validate_text])
    transaction_date = date_field()
    posting_date = date_field(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True, validators=[validate_text])
    transfer_pair_id = models.UUIDField(null=True, blank=True, editable=False)
    # On both legs of a transfer between currencies: what the other leg moved, in its currency (the rate).
    counter_amount = models.BigIntegerField(null=True, blank=True, editable=False)
    counter_currency = models.CharField(max_length=3, blank=True, editable=False)
    # Which of category, merchant_name and description a person set by hand (HAND_SET bits): rules never
    # overwrite those.
    hand_set = models.PositiveSmallIntegerField(default=0, editable=False)
    # The bank-file import that wrote it (banking.models.imports); undoing the import removes exactly these.
    bank_import = models.ForeignKey(
        "banking.Import",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="transactions",
        db_column="import_id",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The fields rules may set, and their bit in `hand_set`.
    HAND_SET = {"category": 1, "merchant_name": 2, "description": 4}

    # The owner's categories, read once (banking.models.categories.known_categories).
    _known_categories: dict[str, str]
    # Set on the rows a page lists, for their labels (banking.selectors.insights).
    category_name: str
    category_color: str

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
            # The insights' largest transactions: the biggest first, without reading the whole period.
            models.Index(fields=["user", "currency", "-amount"], name="txn_user_amount_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_date} {self.description} {self.signed_amount} {self.currency}"

    def clean(self) -> None:
        errors: dict[str, str | list[str]] = {}
        dates = (self.transaction_date, self.posting_date)
        if all(isinstance(d, datetime.date) for d in dates) and self.posting_date < self.transaction_date:
            errors["posting_date"] = "The posting date cannot be before the transaction date."
        try:
            validate_category_field(self)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)

    def is_hand_set(self, field: str) -> bool:
        return bool(self.hand_set & self.HAND_SET[field])

    def mark_hand_set(self, fields) -> None:
        for field in fields:
            self.hand_set |= self.HAND_SET.get(field, 0)

    @property
    def is_transfer(self) -> bool:
        return self.transfer_pair_id is not None

    @property
    def is_spending(self) -> bool:
        """Goes into the daily sums: a debit that did not fail (pending ones count). Their readers keep the
        categories whose kind is spending (selectors.spending), so a change of kind needs no rebuild."""
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


class DailySpending(models.Model):
    """Spending per user, day, category and currency: what the dashboard chart and budgets read.

    The sums are of debits that did not fail, per category whatever its kind; readers keep the spending
    kinds (selectors.spending). The services keep these sums in the same database
    transaction as the transactions they summarise; `spending_rebuild` recomputes them from scratch
    (after bulk loads and account removal). Reading a month or a year costs a few hundred rows at most,
    whatever the number of transactions.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    category = models.CharField(max_length=20)
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
