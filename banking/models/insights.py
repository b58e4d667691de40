"""The daily sums the insights read: per user, day, account, category, merchant and currency."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from banking.models.bank_accounts import BankAccount
from banking.money import CURRENCY_CHOICES


class DailyFlow(models.Model):
    """Money in and out per user, day, account, category, merchant and currency: what the insights read.

    `debits` and `credits` sum the debits and credits that did not fail (pending ones count, as in
    DailySpending), leaving out transfers between the user's own accounts; `settled` sums the signed amounts
    of the completed transactions, transfers included: what the balances count. Verification deposits are
    in none of them. Readers decide by the category's kind what is spending and what income, so a change of
    kind needs no rebuild. The services keep the sums in step in the same database transaction as the
    transactions; `flow_rebuild` recomputes them from scratch. A year costs a few thousand rows at most,
    whatever the number of transactions.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    category = models.CharField(max_length=20)
    # The merchant's name, else the transaction's description (cut to 100 characters).
    merchant = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    debits = models.BigIntegerField(default=0)
    credits = models.BigIntegerField(default=0)
    settled = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "bank_account", "category", "merchant", "currency"], name="daily_flow_unique"
            ),
            models.CheckConstraint(condition=Q(debits__gte=0, credits__gte=0), name="daily_flow_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.merchant} -{self.debits} +{self.credits} {self.currency}"
