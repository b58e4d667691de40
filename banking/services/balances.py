"""What the services keep in step with the transactions: account balances and daily spending sums.

Both move with F() expressions in the same database transaction as the rows that change them; the
`*_rebuild`/`*_recompute` functions recompute them from scratch after bulk loads.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.services import user_data_changed
from banking.models import BankAccount, DailySpending, Transaction


def balance_move(bank_account_id, delta: int) -> None:
    if delta:
        BankAccount.objects.filter(pk=bank_account_id).update(balance=F("balance") + delta)


def _spending_add(*, user_id, day: datetime.date, category: str, currency: str, delta: int) -> None:
    """Move one DailySpending sum by `delta`, creating its row the first time."""
    if not delta:
        return
    key = {"user_id": user_id, "day": day, "category": category, "currency": currency}
    if DailySpending.objects.filter(**key).update(amount=F("amount") + delta):
        return
    try:
        with transaction.atomic():
            DailySpending.objects.create(**key, amount=delta)
    except IntegrityError:  # someone created it meanwhile
        DailySpending.objects.filter(**key).update(amount=F("amount") + delta)


def spending_track(txn: Transaction, *, sign: int) -> None:
    """Add (`sign=1`) or remove (`sign=-1`) a transaction's part of the daily spending sums."""
    if txn.is_spending:
        _spending_add(
            user_id=txn.user_id,
            day=txn.transaction_date,
            category=txn.category,
            currency=txn.currency,
            delta=sign * txn.amount,
        )


@transaction.atomic
def spending_rebuild(*, user: User) -> None:
    """Recompute the user's DailySpending rows from their transactions (one grouped query)."""
    DailySpending.objects.filter(user=user).delete()
    groups = (
        Transaction.objects.filter(user=user, type=Transaction.Type.DEBIT)
        .exclude(status=Transaction.Status.FAILED)
        .order_by()
        .values("transaction_date", "category", "currency")
        .annotate(total=Sum("amount"))
    )
    DailySpending.objects.bulk_create(
        (
            DailySpending(
                user=user, day=g["transaction_date"], category=g["category"], currency=g["currency"], amount=g["total"]
            )
            for g in groups.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )
    user_data_changed(user.pk)  # a bulk write: no model signal tells the caches


def bank_account_balances_recompute(*, user: User) -> None:
    """Set each of the user's balances to the signed sum of its completed transactions (after bulk loads)."""
    completed = (
        Transaction.objects.filter(bank_account=OuterRef("pk"), status=Transaction.Status.COMPLETED)
        .order_by()
        .values("bank_account")
        .annotate(total=Sum("signed_amount"))
        .values("total")
    )
    BankAccount.objects.filter(user=user).update(balance=Coalesce(Subquery(completed), Value(0)))
    user_data_changed(user.pk)  # a bulk write: no model signal tells the caches
