"""Writing an import's new rows as transactions (a background task), and undoing it.

Each batch is one database transaction: the account row locked, the transactions inserted in bulk, the
balance moved with one UPDATE and the daily spending sums with one per day and category, the rows marked
written. A batch that fails leaves nothing half-done, and running the task again carries on where it
stopped. Rows are checked again with the same rules as when typed (the account may have been closed, a
category removed since the preview) and matched again against what the account holds now, so importing the
same file twice, even at the same time, adds nothing the second time.
"""

from collections import defaultdict
from typing import Any, cast

from django.db import transaction
from django.db.models import F, Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from banking.models import BankAccount, Category, Import, ImportRow, Transaction
from banking.models.categories import user_category_kinds
from banking.services.balances import balance_move, spending_move
from banking.services.flows import flow_deltas, flow_move, flow_remove
from banking.services.import_dedupe import import_dedupe
from banking.services.import_parsing import check_transaction, import_count, transaction_for
from banking.services.imports import ImportConflict
from banking.services.rules import rules_apply_to_new
from banking.services.transactions import _usable_errors as usable_errors

BATCH = 1000


def import_commit_run(*, import_id: str) -> str:
    """Write the new rows of an import in `importing`, batch by batch; completed at the end."""
    imp = Import.objects.select_related("user").filter(pk=import_id).first()
    if imp is None or imp.status != Import.Status.IMPORTING:
        return "skipped"
    account = BankAccount.objects.get(pk=imp.bank_account_id)
    errors = usable_errors(account, field="bank_account_id")
    if errors:
        message = errors["bank_account_id"][0]
        Import.objects.filter(pk=imp.pk).update(
            status=Import.Status.READY, errors=[{"row": None, "message": message}, *imp.errors][:100]
        )
        return "account_unusable"
    # Match again against what the account holds now: another import (or a hand-typed row) may have added
    # some of these since the preview.
    import_dedupe(imp=imp)
    Import.objects.filter(pk=imp.pk).update(
        progress_total=ImportRow.objects.filter(bank_import=imp, status=ImportRow.Status.NEW).count()
    )
    last_row: int | None = 0
    while last_row is not None:
        last_row = _write_batch(imp, after=last_row)
    return "completed"


def _write_batch(imp: Import, *, after: int) -> int | None:
    """Write the next batch of rows after row `after`; the last row it handled, or None when there was nothing
    left (the import is then completed)."""
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=imp.bank_account_id)
        locked = Import.objects.select_for_update().get(pk=imp.pk)
        if locked.status != Import.Status.IMPORTING:
            return None
        pending = ImportRow.objects.filter(
            bank_import=imp, status=ImportRow.Status.NEW, written=False, row__gt=after
        ).order_by("row")
        rows = list(pending[:BATCH])
        if not rows:
            _complete(locked)
            return None
        taken = set(
            Transaction.objects.filter(
                bank_account=account, external_id__in=[r.external_id for r in rows if r.external_id]
            ).values_list("external_id", flat=True)
        )
        categories = user_category_kinds(locked.user_id)
        writes: list[Transaction] = []
        written: list[int] = []
        changed: list[ImportRow] = []
        for row in rows:
            if row.external_id in taken:
                row.status, row.by_reference = ImportRow.Status.DUPLICATE, True
                row.message = "The account already has a transaction with this bank reference."
                changed.append(row)
                continue
            signed = cast(int, row.signed_amount)  # a NEW row always has one (import_parsing writes it)
            txn = transaction_for(locked, row, signed, account.currency, categories=categories)
            problem = check_transaction(txn)
            if problem:
                row.status, row.message = ImportRow.Status.INVALID, f"Row {row.row}: {problem}"[:500]
                changed.append(row)
                continue
            txn.id, txn.created_at = row.transaction_id, timezone.now()
            writes.append(txn)
            written.append(row.pk)
        # The user's rules, as on every new transaction (banking.services.rules); alerts follow the commit.
        rules_apply_to_new(user=locked.user, transactions=writes)
        Transaction.objects.bulk_create(writes)
        ImportRow.objects.filter(pk__in=written).update(written=True)
        ImportRow.objects.bulk_update(changed, ["status", "by_reference", "message"], batch_size=250)
        balance_move(account.pk, sum(t.balance_effect(account.opening_balance_date) for t in writes))
        spending: dict[tuple, int] = defaultdict(int)
        for txn in writes:
            if txn.is_spending:
                spending[(txn.transaction_date, txn.category, txn.currency)] += txn.amount
        spending_move(user_id=locked.user_id, deltas=spending)
        flow_move(user_id=locked.user_id, deltas=flow_deltas(writes))
        Import.objects.filter(pk=imp.pk).update(progress_done=F("progress_done") + len(rows))
        user_data_changed(locked.user_id)
    return rows[-1].row


def _complete(imp: Import) -> None:
    import_count(imp=imp, status=Import.Status.COMPLETED)
    written = Transaction.objects.filter(bank_import=imp).count()
    Import.objects.filter(pk=imp.pk).update(completed_at=timezone.now())
    audit_log(
        action="import.completed",
        user_id=imp.user_id,
        details={"import_id": str(imp.pk), "bank_account_id": str(imp.bank_account_id), "transactions": written},
    )


def import_commit_give_up(arguments: dict[str, Any], error: BaseException) -> None:
    """The commit task failed for good: what was written stays (undo removes it); the import says so."""
    import_id = arguments.get("import_id")
    imp = Import.objects.filter(pk=import_id, status=Import.Status.IMPORTING).first() if import_id is not None else None
    if imp is None:
        return
    import_count(imp=imp, status=Import.Status.COMPLETED)
    written = Transaction.objects.filter(bank_import=imp).count()
    message = (
        f"Importing stopped after {written} transactions because of an error on our side: undo this import and "
        "try again."
    )
    Import.objects.filter(pk=imp.pk).update(
        completed_at=timezone.now(), errors=[{"row": None, "message": message}, *imp.errors][:100]
    )


@transaction.atomic
def import_undo(*, user: User, imp: Import, force: bool = False, request: HttpRequest | None = None) -> int:
    """Remove the transactions the import wrote; balances and spending follow. If the user edited some since,
    ImportConflict unless `force`, which removes the others and keeps the edited ones. Returns how many went."""
    account = BankAccount.objects.select_for_update().get(pk=imp.bank_account_id, user=user)
    locked = Import.objects.select_for_update().get(pk=imp.pk, user=user)
    if locked.status == Import.Status.UNDONE:
        raise ImportConflict("This import was undone already.")
    if locked.status != Import.Status.COMPLETED:
        raise ImportConflict("Only a completed import can be undone: this one has not written anything yet.")
    written = Transaction.objects.filter(bank_import=locked)
    edited = written.filter(updated_at__gt=locked.completed_at)
    edited_count = edited.count()
    if edited_count and not force:
        total = written.count()
        raise ImportConflict(
            f"{edited_count} of the {total} transactions this import added {'was' if edited_count == 1 else 'were'} "
            f"edited since. Undo anyway to remove the other {total - edited_count} and keep the edited ones."
        )
    removing = written.exclude(updated_at__gt=locked.completed_at) if edited_count else written
    counted = removing.filter(status=Transaction.Status.COMPLETED).exclude(category=Category.VERIFICATION)
    if account.opening_balance_date is not None:
        counted = counted.filter(transaction_date__gte=account.opening_balance_date)
    balance_move(account.pk, -(counted.aggregate(total=Sum("signed_amount"))["total"] or 0))
    spent = (
        removing.filter(type=Transaction.Type.DEBIT)
        .exclude(Q(status=Transaction.Status.FAILED) | Q(category=Category.VERIFICATION))
        .order_by()
        .values_list("transaction_date", "category", "currency")
        .annotate(total=Sum("amount"))
    )
    spending_move(user_id=user.pk, deltas={(day, cat, cur): -total for day, cat, cur, total in spent})
    flow_remove(user_id=user.pk, transactions=removing)
    removed, _ = removing.delete()
    locked.status, locked.undone_at = Import.Status.UNDONE, timezone.now()
    locked.save(update_fields=["status", "undone_at"])
    user_data_changed(user.pk)
    audit_log(
        action="import.undone",
        user=user,
        request=request,
        details={"import_id": str(locked.pk), "bank_account_id": str(account.pk), "transactions": removed},
    )
    return removed
