"""E-mail alerts: what each user wants to hear about, and which alerts were already sent (once per cause)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from banking.money import CURRENCY_CODES, MAX_AMOUNT


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def default_thresholds() -> list[int]:
    return [80, 100]


class AlertSettings(models.Model):
    """A user's alert choices; a user without a row has the defaults (`AlertSettings.defaults`)."""

    MAX_LOW_BALANCE = 20
    DEFAULT_BILL_DUE_DAYS = 3

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="alert_settings"
    )
    # Percentages of a budget's period limit; an alert as spending crosses each.
    budget_thresholds = models.JSONField(default=default_thresholds, blank=True)
    # [{"bank_account_id": "<uuid>", "below": <minor units>}]
    low_balance = models.JSONField(default=list, blank=True)
    # Days before a confirmed recurring payment is due; null: no bill alerts.
    bill_due_days = models.PositiveSmallIntegerField(null=True, blank=True, default=DEFAULT_BILL_DUE_DAYS)
    # {"USD": 50000}: a transaction over this amount, per currency.
    large_transaction_over = models.JSONField(default=dict, blank=True)
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alert settings of {self.user_id}"

    @classmethod
    def defaults(cls, user) -> "AlertSettings":
        return cls(user=user)

    def clean(self) -> None:
        errors: dict[str, str | list[str]] = {}
        thresholds = self.budget_thresholds
        if (
            not isinstance(thresholds, list)
            or len(thresholds) > 5
            or not all(_whole(t) and 1 <= t <= 1000 for t in thresholds)
        ):
            errors["budget_thresholds"] = (
                "Send up to 5 percentages of a budget, whole numbers from 1 to 1000, e.g. [80, 100]."
            )
        else:
            self.budget_thresholds = sorted(set(thresholds))
        try:
            self.low_balance = self._clean_low_balance(self.low_balance)
        except ValidationError as error:
            errors["low_balance"] = error.messages
        days = self.bill_due_days
        if days is not None and (not _whole(days) or not 0 <= days <= 60):
            errors["bill_due_days"] = (
                "Send how many days before a bill is due, from 0 to 60, or null for no bill alerts."
            )
        over = self.large_transaction_over
        if not isinstance(over, dict) or len(over) > 20:
            errors["large_transaction_over"] = 'Send amounts per currency in minor units, e.g. {"USD": 50000}.'
        else:
            unknown = sorted(str(c) for c in over if c not in CURRENCY_CODES)
            if unknown:
                errors["large_transaction_over"] = (
                    f"Unknown currency {', '.join(unknown)}: use ISO 4217 codes such as USD."
                )
            elif not all(_whole(v) and 0 < v <= MAX_AMOUNT for v in over.values()):
                errors["large_transaction_over"] = "Each amount is a whole number of minor units above 0, e.g. 50000."
        if errors:
            raise ValidationError(errors)

    def _clean_low_balance(self, items) -> list[dict]:
        from banking.models.bank_accounts import BankAccount

        shape = 'Send a list of {"bank_account_id": "<id>", "below": <minor units>}, one per account.'
        if not isinstance(items, list) or len(items) > self.MAX_LOW_BALANCE:
            raise ValidationError(shape)
        cleaned = {}
        for item in items:
            if not isinstance(item, dict) or set(item) != {"bank_account_id", "below"} or not _whole(item["below"]):
                raise ValidationError(shape)
            if not -MAX_AMOUNT <= item["below"] <= MAX_AMOUNT:
                raise ValidationError("That threshold is out of range.")
            try:
                account_id = str(uuid.UUID(str(item["bank_account_id"])))
            except ValueError:
                raise ValidationError(shape) from None
            cleaned[account_id] = item["below"]
        owned = {
            str(pk)
            for pk in BankAccount.objects.filter(user_id=self.user_id, pk__in=list(cleaned)).values_list(
                "pk", flat=True
            )
        }
        if set(cleaned) - owned:
            raise ValidationError("Choose your own bank accounts: one of these ids is not one of yours.")
        return [{"bank_account_id": k, "below": v} for k, v in sorted(cleaned.items())]


class AlertSent(models.Model):
    """One alert e-mail, by its cause (`key`): inserted before the e-mail is queued, in the same database
    transaction, so a cause mails once however often the checks run."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="alert_sent_once_per_cause")]

    def __str__(self) -> str:
        return self.key
