"""The DailyFlow sums the insights read, kept in step with the transactions (banking.models.insights).

Writers of one transaction call `flow_track` (through `balances.spending_track`); writers of many at once
call `flow_move`; `flow_rebuild` recomputes a user's sums after bulk loads, rules and removals.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr

from accounts.models import User
from banking.models import Category, DailyFlow, Transaction

# (bank_account_id, day, category, merchant, currency)
FlowKey = tuple
FIELDS = ("debits", "credits", "settled")


def flow_merchant(txn: Transaction) -> str:
    return (txn.merchant_name or txn.description)[:100]


def flow_parts(txn: Transaction) -> tuple[int, int, int]:
    """What one transaction adds to its sums: (debits, credits, settled)."""
    if txn.is_verification:
        return 0, 0, 0
    counted = txn.status != Transaction.Status.FAILED
    debits = txn.amount if counted and txn.type == Transaction.Type.DEBIT else 0
    credits = txn.amount if counted and txn.type == Transaction.Type.CREDIT else 0
    settled = txn.signed_amount if txn.status == Transaction.Status.COMPLETED else 0
    return debits, credits, settled


def _key(txn: Transaction) -> FlowKey:
    return (txn.bank_account_id, txn.transaction_date, txn.category, flow_merchant(txn), txn.currency)


def _row(user_id, key: FlowKey, parts) -> DailyFlow:
    account_id, day, category, merchant, currency = key
    return DailyFlow(
        user_id=user_id,
        bank_account_id=account_id,
        day=day,
        category=category,
        merchant=merchant,
        currency=currency,
        **dict(zip(FIELDS, parts, strict=True)),
    )


def _add(user_id, key: FlowKey, parts) -> None:
    """Move one row's sums by `parts`, creating it the first time."""
    account_id, day, category, merchant, currency = key
    where = {
        "user_id": user_id,
        "bank_account_id": account_id,
        "day": day,
        "category": category,
        "merchant": merchant,
        "currency": currency,
    }
    moves = {name: F(name) + delta for name, delta in zip(FIELDS, parts, strict=True) if delta}
    if DailyFlow.objects.filter(**where).update(**moves):
        return
    try:
        with transaction.atomic():
            _row(user_id, key, parts).save(force_insert=True)
    except IntegrityError:  # someone created it meanwhile
        DailyFlow.objects.filter(**where).update(**moves)


def flow_track(txn: Transaction, *, sign: int) -> None:
    """Add (`sign=1`) or remove (`sign=-1`) one transaction's part of the daily flows."""
    parts = tuple(sign * part for part in flow_parts(txn))
    if any(parts):
        _add(txn.user_id, _key(txn), parts)


def flow_move(*, user_id, deltas: dict[FlowKey, tuple[int, int, int]]) -> None:
    """Move several rows' sums at once, for writers of many transactions: the existing rows are locked and
    updated together, the missing ones created together (a few queries, not one or two per row)."""
    deltas = {key: parts for key, parts in deltas.items() if any(parts)}
    if not deltas:
        return
    rows = DailyFlow.objects.select_for_update().filter(
        user_id=user_id,
        day__in={key[1] for key in deltas},
        bank_account_id__in={key[0] for key in deltas},
        merchant__in={key[3] for key in deltas},
    )
    existing = {(r.bank_account_id, r.day, r.category, r.merchant, r.currency): r for r in rows}
    changed = []
    for key, row in existing.items():
        if key in deltas:
            for name, delta in zip(FIELDS, deltas[key], strict=True):
                setattr(row, name, getattr(row, name) + delta)
            changed.append(row)
    DailyFlow.objects.bulk_update(changed, list(FIELDS), batch_size=500)
    missing = [_row(user_id, key, parts) for key, parts in deltas.items() if key not in existing]
    try:
        with transaction.atomic():
            DailyFlow.objects.bulk_create(missing, batch_size=500)
    except IntegrityError:  # someone created some of them meanwhile: one at a time then
        for row in missing:
            _add(user_id, (row.bank_account_id, row.day, row.category, row.merchant, row.currency),
                 (row.debits, row.credits, row.settled))  # fmt: skip


def flow_deltas(transactions: Iterable[Transaction], *, sign: int = 1) -> dict[FlowKey, tuple[int, int, int]]:
    """The sums a batch of transactions adds (or, with `sign=-1`, takes away), per row."""
    totals: dict[FlowKey, list[int]] = defaultdict(lambda: [0, 0, 0])
    for txn in transactions:
        parts = flow_parts(txn)
        if any(parts):
            total = totals[_key(txn)]
            for i, part in enumerate(parts):
                total[i] += sign * part
    return {key: (parts[0], parts[1], parts[2]) for key, parts in totals.items()}


def _grouped(transactions: QuerySet[Transaction]):
    """The transactions' sums per DailyFlow row, computed by the database (one grouped query)."""
    counted = ~Q(status=Transaction.Status.FAILED)

    def total(condition: Q, field: str):
        return Sum(Case(When(condition, then=F(field)), default=Value(0), output_field=IntegerField()))

    return (
        transactions.exclude(category=Category.VERIFICATION)
        .annotate(
            flow_merchant=Case(
                When(merchant_name="", then=Substr("description", 1, 100)), default=Substr("merchant_name", 1, 100)
            )
        )
        .order_by()
        .values("bank_account_id", "transaction_date", "category", "flow_merchant", "currency")
        .annotate(
            debits=total(counted & Q(type=Transaction.Type.DEBIT), "amount"),
            credits=total(counted & Q(type=Transaction.Type.CREDIT), "amount"),
            settled=total(Q(status=Transaction.Status.COMPLETED), "signed_amount"),
        )
    )


def flow_remove(*, user_id, transactions: QuerySet[Transaction]) -> None:
    """Take the sums of `transactions` (about to be removed together) out of the daily flows."""
    flow_move(
        user_id=user_id,
        deltas={
            (g["bank_account_id"], g["transaction_date"], g["category"], g["flow_merchant"], g["currency"]): (
                -g["debits"],
                -g["credits"],
                -g["settled"],
            )
            for g in _grouped(transactions)
        },
    )


@transaction.atomic
def flow_rebuild(*, user: User) -> None:
    """Recompute the user's DailyFlow rows from their transactions (one grouped query)."""
    DailyFlow.objects.filter(user=user).delete()
    DailyFlow.objects.bulk_create(
        (
            _row(
                user.pk,
                (g["bank_account_id"], g["transaction_date"], g["category"], g["flow_merchant"], g["currency"]),
                (g["debits"], g["credits"], g["settled"]),
            )
            for g in _grouped(Transaction.objects.filter(user=user)).iterator(chunk_size=2000)
            if g["debits"] or g["credits"] or g["settled"]
        ),
        batch_size=2000,
    )
