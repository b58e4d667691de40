"""Recurring payments: series of debits to one merchant at a regular cadence, found in the history."""

import calendar
import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from banking.models.bank_accounts import BankAccount
from banking.money import CURRENCY_CHOICES


class RecurringSeries(models.Model):
    """A bill or subscription: what it costs, how often, when it last came and when it is next due."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        BIWEEKLY = "biweekly", "Every two weeks"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    # Days between payments, and how late one may come before it counts as missed.
    STEP_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91, "yearly": 365}
    GRACE_DAYS = {"weekly": 2, "biweekly": 3, "monthly": 5, "quarterly": 10, "yearly": 20}
    MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recurring_series")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="recurring_series")
    # The merchant (or description) the series was grouped by, lower-cased: finds it again on the next run.
    key = models.CharField(max_length=255, editable=False)
    merchant_name = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=255, blank=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    occurrences = models.PositiveIntegerField(default=0)
    last_date = models.DateField()
    next_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_date", "merchant_name", "id"]
        verbose_name_plural = "recurring series"
        constraints = [
            models.UniqueConstraint(fields=["user", "bank_account", "key", "currency"], name="recurring_unique_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recurring_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["suggested", "confirmed", "dismissed"]), name="recurring_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=["weekly", "biweekly", "monthly", "quarterly", "yearly"]),
                name="recurring_cadence_valid",
            ),
        ]
        indexes = [models.Index(fields=["user", "status", "next_date"], name="recurring_user_status_idx")]

    def __str__(self) -> str:
        return f"{self.label} ({self.cadence})"

    @property
    def label(self) -> str:
        return self.merchant_name or self.description

    @classmethod
    def following(cls, day: datetime.date, cadence: str) -> datetime.date:
        """The date a payment made on `day` is next due."""
        months = cls.MONTHS.get(cadence)
        if months is None:
            return day + datetime.timedelta(days=cls.STEP_DAYS[cadence])
        total = day.month - 1 + months
        year, month = day.year + total // 12, total % 12 + 1
        return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    def is_missed(self, today: datetime.date | None = None) -> bool:
        """A confirmed payment that did not come within its grace days of the due date."""
        today = today or timezone.localdate()
        grace = datetime.timedelta(days=self.GRACE_DAYS[self.cadence])
        return self.status == self.Status.CONFIRMED and today > self.next_date + grace
