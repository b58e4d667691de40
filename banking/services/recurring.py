"""Recurring payments: found in the history by a background task, confirmed or dismissed by the user.

Detection streams the user's debits of the last two years grouped by account, merchant (or description)
and currency, one group in memory at a time. A group is a series when the latest run of its payments
comes at one cadence (weekly to yearly, within a few days) for about the same amount (within 15%).
"""

import datetime
import itertools
import logging
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from banking.models import Category, RecurringSeries, Transaction
from banking.services.base import raise_if

logger = logging.getLogger(__name__)

HISTORY_DAYS = 800
AMOUNT_TOLERANCE = 0.15
# cadence: (shortest and longest gap in days, fewest payments that make a series)
CADENCES = {
    "weekly": ((6, 8), 4),
    "biweekly": ((13, 15), 3),
    "monthly": ((26, 35), 3),
    "quarterly": ((84, 98), 3),
    "yearly": ((350, 380), 2),
}
CHUNK = 2000
SERIES_FIELDS = ["merchant_name", "description", "amount", "cadence", "occurrences", "last_date", "next_date"]


@dataclass(frozen=True)
class Payment:
    day: datetime.date
    amount: int
    merchant_name: str
    description: str


@dataclass(frozen=True)
class Found:
    cadence: str
    amount: int
    occurrences: int
    last: Payment


def _close(amount: int, reference: int) -> bool:
    return abs(amount - reference) <= max(100, reference * AMOUNT_TOLERANCE)


def find_series(payments: list[Payment]) -> Found | None:
    """The regular series ending with the latest payment of one merchant (payments in date order), or None."""
    if len(payments) < 2:
        return None
    gaps = [(b.day - a.day).days for a, b in itertools.pairwise(payments)]
    typical = statistics.median(gaps)
    cadence = next((name for name, ((low, high), _) in CADENCES.items() if low <= typical <= high), None)
    if cadence is None:
        return None
    (low, high), fewest = CADENCES[cadence]
    reference = payments[-1].amount
    start = len(payments) - 1
    while start > 0:
        gap = (payments[start].day - payments[start - 1].day).days
        if not (low <= gap <= high and _close(payments[start - 1].amount, reference)):
            break
        start -= 1
    run = payments[start:]
    if len(run) < fewest:
        return None
    return Found(cadence, int(statistics.median(p.amount for p in run)), len(run), run[-1])


def _debits(user: User, since: datetime.date):
    """(account, key, currency, date, amount, merchant, description) in group order, streamed."""
    return (
        Transaction.objects.filter(user=user, type=Transaction.Type.DEBIT, transaction_date__gte=since)
        .exclude(status=Transaction.Status.FAILED)
        .exclude(category__in=[Category.VERIFICATION, Category.TRANSFER])
        .annotate(series_key=Lower(Coalesce(NullIf("merchant_name", Value("")), "description")))
        .order_by("bank_account_id", "series_key", "currency", "transaction_date", "created_at")
        .values_list(
            "bank_account_id", "series_key", "currency", "transaction_date", "amount", "merchant_name", "description"
        )  # fmt: skip
        .iterator(chunk_size=CHUNK)
    )


def recurring_detect(*, user: User, today: datetime.date | None = None) -> dict[str, int]:
    """Find the user's recurring payments: new ones are `suggested`, known ones move on (their status kept).
    Returns how many series were created and updated."""
    today = today or timezone.localdate()
    known = {(s.bank_account_id, s.key, s.currency): s for s in RecurringSeries.objects.filter(user=user)}
    created, updated = [], []
    rows = _debits(user, today - datetime.timedelta(days=HISTORY_DAYS))
    for (account_id, key, currency), group in itertools.groupby(rows, key=lambda r: r[:3]):
        payments = [Payment(day, amount, merchant, description) for *_, day, amount, merchant, description in group]
        found = find_series(payments)
        if found is None:
            continue
        next_date = RecurringSeries.following(found.last.day, found.cadence)
        values = {
            "merchant_name": found.last.merchant_name[:100],
            "description": found.last.description,
            "amount": found.amount,
            "cadence": found.cadence,
            "occurrences": found.occurrences,
            "last_date": found.last.day,
            "next_date": next_date,
        }
        series = known.get((account_id, key[:255], currency))
        if series is None:
            step = RecurringSeries.STEP_DAYS[found.cadence] + RecurringSeries.GRACE_DAYS[found.cadence]
            stale = today > next_date + datetime.timedelta(days=step)  # a whole payment missed since
            if not stale:  # a subscription that has stopped is not worth suggesting
                created.append(RecurringSeries(user=user, bank_account_id=account_id, key=key[:255],
                                               currency=currency, **values))  # fmt: skip
        elif any(getattr(series, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(series, name, value)
            updated.append(series)
    with transaction.atomic():
        RecurringSeries.objects.bulk_create(created, batch_size=500, ignore_conflicts=True)
        RecurringSeries.objects.bulk_update(updated, SERIES_FIELDS, batch_size=500)
        if created or updated:
            user_data_changed(user.pk)  # bulk writes: no model signal tells the caches
    return {"created": len(created), "updated": len(updated)}


def recurring_note_transactions(*, user: User, transaction_ids: Iterable[str]) -> int:
    """New debits that continue a known series move its last and next dates on at once (without waiting for
    the daily detection). Returns how many series moved."""
    series = {(s.bank_account_id, s.key, s.currency): s for s in RecurringSeries.objects.filter(user=user)}
    if not series:
        return 0
    rows = (
        Transaction.objects.filter(user=user, pk__in=list(transaction_ids), type=Transaction.Type.DEBIT)
        .exclude(status=Transaction.Status.FAILED)
        .annotate(series_key=Lower(Coalesce(NullIf("merchant_name", Value("")), "description")))
        .values_list("bank_account_id", "series_key", "currency", "transaction_date")
    )
    moved = {}
    for account_id, key, currency, day in rows:
        match = series.get((account_id, key[:255], currency))
        if match is not None and day > match.last_date:
            match.last_date = day
            match.next_date = RecurringSeries.following(day, match.cadence)
            match.occurrences += 1
            moved[match.pk] = match
    if moved:
        with transaction.atomic():
            RecurringSeries.objects.bulk_update(moved.values(), ["last_date", "next_date", "occurrences", "updated_at"])
            user_data_changed(user.pk)
    return len(moved)


@transaction.atomic
def recurring_set_status(
    *, user: User, series: RecurringSeries, status: str, request: HttpRequest | None = None
) -> RecurringSeries:
    """Confirm a series (it shows as upcoming, and bill alerts follow it) or dismiss it."""
    series = RecurringSeries.objects.select_for_update().get(pk=series.pk, user=user)
    if status not in (RecurringSeries.Status.CONFIRMED, RecurringSeries.Status.DISMISSED):
        raise_if({"status": ["Choose confirmed or dismissed."]})
    series.status = status
    series.save(update_fields=["status", "updated_at"])
    details = {"series_id": str(series.pk), "name": series.label}
    if status == RecurringSeries.Status.CONFIRMED:
        audit_log(action="recurring.confirmed", user=user, request=request, details=details)
    else:
        audit_log(action="recurring.dismissed", user=user, request=request, details=details)
    return series


def recurring_detect_everyone(*, batch_size: int = 500) -> int:
    """The daily detection: every user with transactions, in batches of ids (flat memory)."""
    done, last = 0, None
    while True:
        users = User.objects.filter(is_active=True, transactions__isnull=False).distinct().order_by("pk")
        if last is not None:
            users = users.filter(pk__gt=last)
        batch = list(users.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return done
        for user in User.objects.filter(pk__in=batch).order_by("pk"):
            try:
                recurring_detect(user=user)
                done += 1
            except Exception:  # one user's data must not stop everyone's
                logging.getLogger(__name__).exception(
                    "Recurring detection failed", extra={"series_user_id": str(user.pk)}
                )
        last = batch[-1]
