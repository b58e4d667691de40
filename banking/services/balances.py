"""What the services keep in step with the transactions: account balances and daily spending sums.

Both move with F() expressions in the same database transaction as the rows that change them; the
`*_rebuild`/`*_recompute` functions recompute them from scratch after bulk loads.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.services import user_data_changed
from banking.models import BankAccount, Category, DailySpending, Transaction
from banking.services.flows import flow_rebuild, flow_track


def balance_move(bank_account_id, delta: int) -> None:
    if delta:
        BankAccount.objects.filter(pk=bank_account_id).update(balance=F("balance") + delta)


def _counted() -> Subquery:
    """Per account (OuterRef), the signed sum of the transactions its balance counts: completed, not the
    verification deposits, on or after its opening balance's date (Transaction.balance_effect)."""
    return Subquery(
        Transaction.objects.filter(bank_account=OuterRef("pk"), status=Transaction.Status.COMPLETED)
        .exclude(category=Category.VERIFICATION)
        .filter(
            Q(bank_account__opening_balance_date__isnull=True)
            | Q(transaction_date__gte=F("bank_account__opening_balance_date"))
        )
        .order_by()
        .values("bank_account")
        .annotate(total=Sum("signed_amount"))
        .values("total")
    )


def balances_recompute(accounts: QuerySet[BankAccount]) -> None:
    """Set each balance to its opening balance plus the transactions it counts (one UPDATE)."""
    accounts.update(balance=F("opening_balance") + Coalesce(_counted(), Value(0)))


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
    """Add (`sign=1`) or remove (`sign=-1`) a transaction's part of the daily sums: spending and flows."""
    flow_track(txn, sign=sign)
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
    """Recompute the user's DailySpending and DailyFlow rows from their transactions (a grouped query each)."""
    flow_rebuild(user=user)
    DailySpending.objects.filter(user=user).delete()
    groups = (
        Transaction.objects.filter(user=user, type=Transaction.Type.DEBIT)
        .exclude(status=Transaction.Status.FAILED)
        .exclude(category=Category.VERIFICATION)
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
    """Recompute each of the user's balances from its opening balance and transactions (after bulk loads)."""
    balances_recompute(BankAccount.objects.filter(user=user))
    user_data_changed(user.pk)  # a bulk write: no model signal tells the caches


def spending_move(*, user_id, deltas: dict[tuple[datetime.date, str, str], int]) -> None:
    """Move several DailySpending sums, `{(day, category, currency): delta}`, for writers of many rows at once:
    the existing sums are locked and updated together, the missing ones created together (a few queries, not
    one or two per sum)."""
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if not deltas:
        return
    rows = DailySpending.objects.select_for_update().filter(
        user_id=user_id,
        day__in={day for day, _, _ in deltas},
        category__in={category for _, category, _ in deltas},
        currency__in={currency for _, _, currency in deltas},
    )
    existing = {(row.day, row.category, row.currency): row for row in rows}
    for key, row in existing.items():
        row.amount += deltas.get(key, 0)
    DailySpending.objects.bulk_update([r for k, r in existing.items() if k in deltas], ["amount"], batch_size=500)
    missing = [
        DailySpending(user_id=user_id, day=day, category=category, currency=currency, amount=delta)
        for (day, category, currency), delta in deltas.items()
        if (day, category, currency) not in existing
    ]
    try:
        with transaction.atomic():
            DailySpending.objects.bulk_create(missing, batch_size=500)
    except IntegrityError:  # someone created some of them meanwhile: one at a time then
        for row in missing:
            _spending_add(user_id=user_id, day=row.day, category=row.category, currency=row.currency, delta=row.amount)
