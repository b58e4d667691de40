"""Budgets: a spending limit for one category and currency, per week, month or year."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from banking.models.categories import validate_category_field
from banking.models.fields import CURRENCY_ERRORS, MinorUnitsField, choice_error, date_field
from banking.money import CURRENCY_CHOICES, CURRENCY_CODES, MAX_AMOUNT, validate_amount
from saas.validators import validate_text

PERIOD_START_DAY_ERROR = "Choose a day of the month from 1 to 28."


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
    # The slug of one of the owner's spending categories, checked by `clean()`.
    category = models.CharField(max_length=20)
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
    # What was left (or overspent) in the earlier periods is carried into the current one, cumulatively from
    # the start date (banking.selectors.budgets).
    rollover = models.BooleanField(default=False, error_messages={"invalid": "Choose true or false."})
    # Monthly budgets only: the day of the month a period starts on (payday); empty is the 1st. Up to 28 so
    # that every month has it.
    period_start_day = models.SmallIntegerField(
        null=True, blank=True, error_messages={"invalid": PERIOD_START_DAY_ERROR}
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The owner's categories, read once (banking.models.categories.known_categories).
    _known_categories: dict[str, str]

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="budget_amount_range"),
            models.CheckConstraint(condition=Q(period__in=["weekly", "monthly", "yearly"]), name="budget_period_valid"),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="budget_currency_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="budget_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(period_start_day__isnull=True)
                | Q(period="monthly", period_start_day__gte=1, period_start_day__lte=28),
                name="budget_period_start_day_monthly",
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at", "id"], name="budget_user_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str | list[str]] = {}
        try:
            validate_category_field(self, spending=True)
        except ValidationError as error:
            errors.update(error.message_dict)
        dates = (self.start_date, self.end_date)
        if all(isinstance(d, datetime.date) for d in dates) and self.end_date < self.start_date:
            errors["end_date"] = "The end date is before the start date: pick a later end date."
        day = self.period_start_day
        # Not a whole number at all is the field's own error (clean_fields); this is the range and the period.
        if isinstance(day, int) and not 1 <= day <= 28:
            errors["period_start_day"] = PERIOD_START_DAY_ERROR
        elif isinstance(day, int) and self.period != self.Period.MONTHLY:
            errors["period_start_day"] = "Only monthly budgets start on a chosen day: leave it empty for this period."
        if errors:
            raise ValidationError(errors)
