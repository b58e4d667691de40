"""Which rows of an import the account already has (banking INTERFACE, "Duplicates").

1. A row whose bank reference (`external_id`) the account already has is a duplicate, and so is a row that
   repeats a reference met earlier in the same file.
2. The others are matched on (date, signed amount, normalised description) as multisets: n identical rows
   against m identical stored transactions leave max(0, n - m) new. So two real purchases alike on one day
   both import, and the same file twice adds nothing. Stored rows typed by hand count; a row with a
   reference only matches a stored transaction that has none (one with another reference is another
   transaction).

Both passes read in batches: references a thousand at a time, the multisets window by window of dates, each
window holding a few thousand stored and imported rows, so memory stays flat against any history.
Rows the user marked as real second transactions (`forced`) stay new, and still stand for the stored
transaction they matched; invalid rows are left alone.
"""

import datetime
from collections import defaultdict

from django.db.models import Count

from banking.importers.base import normalize_description
from banking.models import Import, ImportRow, Transaction

REFERENCE_BATCH = 1000
WINDOW_ROWS = 5000


def _candidates(imp: Import):
    # Rows already written (a commit that stopped half-way) are settled: their transactions are theirs.
    return ImportRow.objects.filter(
        bank_import=imp,
        status__in=[ImportRow.Status.NEW, ImportRow.Status.DUPLICATE],
        forced=False,
        written=False,
    )


def _stored(imp: Import):
    """The account's transactions, but for those this import wrote itself (each already has its row)."""
    return Transaction.objects.filter(bank_account_id=imp.bank_account_id).exclude(bank_import_id=imp.pk)


def import_dedupe(*, imp: Import) -> None:
    """Mark each candidate row new or duplicate against the account's stored transactions."""
    _candidates(imp).update(status=ImportRow.Status.NEW, duplicate_of=None, by_reference=False, message="")
    _by_reference(imp)
    _by_multiset(imp)


def _by_reference(imp: Import) -> None:
    rows = _candidates(imp).exclude(external_id="").order_by("row").only("row", "external_id")
    last_row = 0
    while True:
        batch = list(rows.filter(row__gt=last_row)[:REFERENCE_BATCH])
        if not batch:
            return
        last_row = batch[-1].row
        references = {r.external_id for r in batch}
        stored = dict(_stored(imp).filter(external_id__in=references).values_list("external_id", "id"))
        earlier = dict(
            ImportRow.objects.filter(bank_import=imp, external_id__in=references, row__lt=batch[0].row)
            .exclude(status=ImportRow.Status.INVALID)
            .order_by("-row")
            .values_list("external_id", "row")
        )
        changed: list[ImportRow] = []
        seen: dict[str, int] = {}
        for row in batch:
            if row.external_id in stored:
                row.duplicate_of = stored[row.external_id]
                row.message = "The account already has a transaction with this bank reference."
            elif row.external_id in earlier or row.external_id in seen:
                first = seen.get(row.external_id) or earlier[row.external_id]
                row.message = f"Row {first} of this file has the same bank reference: it is the same transaction."
            else:
                seen[row.external_id] = row.row
                continue
            row.status, row.by_reference = ImportRow.Status.DUPLICATE, True
            changed.append(row)
        ImportRow.objects.bulk_update(changed, ["status", "duplicate_of", "by_reference", "message"], batch_size=250)


def _windows(imp: Import) -> list[tuple[datetime.date, datetime.date]]:
    """Date ranges covering the candidate rows, each with about WINDOW_ROWS imported plus stored rows."""
    per_day: dict[datetime.date, int] = defaultdict(int)
    days = _candidates(imp).filter(status=ImportRow.Status.NEW).exclude(transaction_date=None)
    for day, count in days.values_list("transaction_date").annotate(n=Count("id")).values_list("transaction_date", "n"):
        per_day[day] += count
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    stored = (
        _stored(imp)
        .filter(transaction_date__range=(first, last))
        .values_list("transaction_date")
        .annotate(n=Count("id"))
        .values_list("transaction_date", "n")
    )
    for day, count in stored:
        if day in per_day:
            per_day[day] += count
    windows, start, size = [], None, 0
    for day in sorted(per_day):
        start = start or day
        size += per_day[day]
        if size >= WINDOW_ROWS:
            windows.append((start, day))
            start, size = None, 0
    if start is not None:
        windows.append((start, max(per_day)))
    return windows


def _by_multiset(imp: Import) -> None:
    for start, end in _windows(imp):
        # (date, signed amount, description) -> stored ids, those without a bank reference first.
        pool: dict[tuple, list[tuple[bool, object]]] = defaultdict(list)
        stored = (
            _stored(imp)
            .filter(transaction_date__range=(start, end))
            .values_list("transaction_date", "signed_amount", "description", "external_id", "id")
        )
        for day, signed, description, reference, pk in stored.order_by("created_at", "id").iterator(chunk_size=2000):
            pool[(day, signed, normalize_description(description))].append((bool(reference), pk))
        for candidates in pool.values():
            candidates.sort(key=lambda item: item[0])
        # A row the user marked as a real second transaction was a duplicate: it still stands for the stored
        # transaction it matched, so the rows after it match what is left.
        forced = ImportRow.objects.filter(
            bank_import=imp, status=ImportRow.Status.NEW, forced=True, transaction_date__range=(start, end)
        ).values_list("transaction_date", "signed_amount", "match_key")
        for key in forced.iterator(chunk_size=2000):
            if pool.get(key):
                pool[key].pop(0)
        rows = (
            _candidates(imp)
            .filter(status=ImportRow.Status.NEW, transaction_date__range=(start, end))
            .order_by("row")
            .only("row", "transaction_date", "signed_amount", "match_key", "external_id")
        )
        changed = []
        for row in rows.iterator(chunk_size=2000):
            ids = pool.get((row.transaction_date, row.signed_amount, row.match_key))
            if not ids:
                continue
            # A row with a reference is not the same as a stored transaction with another reference.
            match = next(
                (i for i, (has_reference, _) in enumerate(ids) if not (row.external_id and has_reference)), None
            )
            if match is None:
                continue
            _, pk = ids.pop(match)
            row.status, row.duplicate_of = ImportRow.Status.DUPLICATE, pk
            row.message = "The account already has this transaction (same date, amount and description)."
            changed.append(row)
        ImportRow.objects.bulk_update(changed, ["status", "duplicate_of", "message"], batch_size=250)
