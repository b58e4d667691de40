"""Reading an uploaded bank file into ImportRows (the preview), off the request path.

The file streams through its format's reader; rows are checked with the Transaction model's own rules and
written in batches, so memory stays flat whatever the file's length. Duplicates are then marked
(banking.services.import_dedupe). The uploaded file is deleted once its rows are read.
"""

import datetime
import logging
from typing import Any, BinaryIO, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from banking.importers import HEAD_BYTES, ImportFileError, ParsedRow, RowProblem, camt, csvfile, detect_format, ofx, qif
from banking.importers.base import Inspection, normalize_description
from banking.importers.dates import MONTH_FIRST_CURRENCIES
from banking.models import Category, Import, ImportRow, Transaction
from banking.models.categories import share_categories, user_category_kinds
from banking.models.imports import MAX_ERRORS
from banking.money import get_currency
from banking.selectors.imports import remembered_mapping
from banking.services.import_dedupe import import_dedupe
from banking.services.transactions import VERIFICATION_CATEGORY_MESSAGE

logger = logging.getLogger(__name__)

BATCH = 2000
# Model fields a preview row is not checked on: links set at commit, and the sign derived from the type.
NOT_CHECKED = ["user", "bank_account", "bank_import", "signed_amount", "id", "created_at", "updated_at"]


def _fail(imp: Import, message: str) -> str:
    """End the import as failed with this message, keeping nothing of the file."""
    _drop_file(imp)
    ImportRow.objects.filter(bank_import=imp).delete()
    Import.objects.filter(pk=imp.pk).update(
        status=Import.Status.FAILED, errors=[{"row": None, "message": message}], file="", progress_done=0
    )
    return "failed"


def _drop_file(imp: Import) -> None:
    if imp.file:
        try:
            imp.file.delete(save=False)
        except OSError:
            logger.warning("Could not delete the uploaded file of import %s", imp.pk, exc_info=True)


def _inspect(kind: str, source: BinaryIO, currency: str) -> Inspection:
    if kind == "csv":
        return csvfile.inspect(source, currency=currency)
    return {"ofx": ofx, "qif": qif, "camt053": camt}[kind].inspect(source)


def _needs_mapping(imp: Import, inspection: Inspection, message: str = "") -> str:
    ImportRow.objects.filter(bank_import=imp).delete()
    Import.objects.filter(pk=imp.pk).update(
        status=Import.Status.NEEDS_MAPPING,
        inspection=inspection.as_json(),
        errors=[{"row": None, "message": message}] if message else [],
        progress_done=0,
    )
    return "needs_mapping"


def import_parse(*, import_id: str) -> str:
    """Read the file of an import in `parsing`: ready (rows and duplicates marked), needs_mapping, or failed.

    Safe to run again: it starts over from the stored file.
    """
    imp = Import.objects.select_related("bank_account").filter(pk=import_id).first()
    if imp is None or imp.status != Import.Status.PARSING:
        return "skipped"
    if not imp.file:
        return _fail(imp, "The uploaded file is gone: upload it again.")
    account = imp.bank_account
    try:
        with imp.file.open("rb") as source:
            return _parse(imp, cast(BinaryIO, source), account.currency)  # a File proxies the binary file
    except ImportFileError as error:
        return _fail(imp, error.message)
    except FileNotFoundError:
        return _fail(imp, "The uploaded file is gone: upload it again.")


def _parse(imp: Import, source: BinaryIO, currency: str) -> str:
    source.seek(0)
    kind = detect_format(source.read(HEAD_BYTES))
    inspection = _inspect(kind, source, currency)
    mapping = dict(imp.mapping) if imp.mapping_confirmed else {}
    if kind != "csv":
        return _parse_statement(imp, source, inspection, mapping, currency)
    remembered = not mapping
    if remembered:
        mapping = remembered_mapping(bank_account=imp.bank_account, columns=inspection.columns) or {}
    if not mapping:
        if "date" not in inspection.guessed:
            shown = ", ".join(inspection.columns[:20])
            raise ImportFileError(
                f"This file has no column of dates (its columns: {shown}): each row of a bank export needs the "
                "date of the transaction. Export it again with dates."
            )
        return _needs_mapping(imp, inspection)
    Import.objects.filter(pk=imp.pk).update(inspection=inspection.as_json(), mapping=mapping, mapping_confirmed=True)
    read = csvfile.rows(source, inspection=inspection.as_json(), mapping=mapping)
    if not remembered:
        return _store(imp, source, read, currency)

    def ask_again() -> str:
        # The mapping that fitted this account's last file does not fit this one: ask, showing it.
        inspection.guessed = {**inspection.guessed, **mapping}
        Import.objects.filter(pk=imp.pk).update(mapping={}, mapping_confirmed=False)
        return _needs_mapping(
            imp, inspection, "Most rows could not be read with the mapping used for this account's last file."
        )

    return _store(imp, source, read, currency, when_mostly_invalid=ask_again)


def _parse_statement(imp: Import, source: BinaryIO, inspection: Inspection, mapping: dict, currency: str) -> str:
    statements = inspection.statements
    if "statement" not in mapping:
        if len(statements) > 1:
            return _needs_mapping(imp, inspection, "This file holds several accounts: choose the one to import.")
        mapping = {"statement": 0}
    chosen = statements[min(mapping["statement"], len(statements) - 1)]
    if chosen.currency and chosen.currency != currency:
        raise ImportFileError(
            f"This statement is in {chosen.currency} but the account holds {currency}: import it into a "
            f"{chosen.currency} account."
        )
    Import.objects.filter(pk=imp.pk).update(inspection=inspection.as_json(), mapping=mapping)
    if inspection.format == "qif":
        order = inspection.guessed.get("date_order") or ("mdy" if currency in MONTH_FIRST_CURRENCIES else "dmy")
        read = qif.rows(source, statement=chosen.index, date_order=str(order))
    else:
        read = {"ofx": ofx, "camt053": camt}[inspection.format].rows(source, statement=chosen.index)
    return _store(imp, source, read, currency)


def _store(imp: Import, source: BinaryIO, read, currency: str, when_mostly_invalid=None) -> str:
    """Write the rows in batches, mark duplicates, count, and drop the file (or, when most rows are invalid
    and `when_mostly_invalid` is given, call it instead: the file is kept for another try)."""
    ImportRow.objects.filter(bank_import=imp).delete()
    builder = _RowBuilder(imp, currency)
    batch: list[ImportRow] = []
    for parsed in read:
        batch.append(builder.build(parsed))
        if len(batch) >= BATCH:
            _flush(imp, batch, source)
            batch = []
    if batch:
        _flush(imp, batch, source)
    counts = ImportRow.objects.filter(bank_import=imp).aggregate(
        total=Count("id"), invalid=Count("id", filter=Q(status=ImportRow.Status.INVALID))
    )
    if not counts["total"]:
        raise ImportFileError("This file holds no transactions.")
    if when_mostly_invalid is not None and counts["invalid"] * 2 > counts["total"]:
        return when_mostly_invalid()
    import_dedupe(imp=imp)
    import_count(imp=imp, status=Import.Status.READY)
    _drop_file(imp)
    Import.objects.filter(pk=imp.pk).update(file="")
    return "ready"


def _flush(imp: Import, batch: list[ImportRow], source: BinaryIO) -> None:
    with transaction.atomic():
        ImportRow.objects.bulk_create(batch)
        try:
            done = source.tell()
        except (OSError, ValueError):
            done = 0
        Import.objects.filter(pk=imp.pk).update(progress_done=done)


def import_count(*, imp: Import, status: str) -> None:
    """Set the import's counts and first problems from its rows (one grouped query, one for the problems)."""
    counts = dict(
        ImportRow.objects.filter(bank_import=imp)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    problems = ImportRow.objects.filter(bank_import=imp, status=ImportRow.Status.INVALID).order_by("row")
    errors = [{"row": row, "message": message} for row, message in problems.values_list("row", "message")[:MAX_ERRORS]]
    Import.objects.filter(pk=imp.pk).update(
        status=status,
        rows_total=sum(counts.values()),
        rows_new=counts.get(ImportRow.Status.NEW, 0),
        rows_duplicate=counts.get(ImportRow.Status.DUPLICATE, 0),
        rows_invalid=counts.get(ImportRow.Status.INVALID, 0),
        errors=errors,
    )


class _RowBuilder:
    """Turns parsed rows into ImportRows, checking each with the Transaction model's own rules."""

    def __init__(self, imp: Import, currency: str):
        self.imp = imp
        self.currency = get_currency(currency)
        self.categories = user_category_kinds(imp.user_id)

    def invalid(self, row: int, message: str, **values: Any) -> ImportRow:
        return ImportRow(
            bank_import=self.imp, row=row, status=ImportRow.Status.INVALID, message=message[:500], **values
        )

    def build(self, parsed: ParsedRow | RowProblem) -> ImportRow:
        if isinstance(parsed, RowProblem):
            return self.invalid(parsed.row, parsed.message)
        where = f"Row {parsed.row}"
        shown = {
            "transaction_date": parsed.transaction_date,
            "description": parsed.description[:255],
            "merchant_name": parsed.merchant_name[:100],
            "external_id": parsed.external_id[:100],
            "category": parsed.category[:40],
        }
        if parsed.currency and parsed.currency != self.currency.code:
            return self.invalid(
                parsed.row, f"{where} is in {parsed.currency}; the account holds {self.currency.code}.", **shown
            )
        minor = parsed.amount.scaleb(self.currency.exponent)
        if minor != minor.to_integral_value():
            return self.invalid(
                parsed.row,
                f"{where}: {parsed.amount} has more decimals than {self.currency.code} amounts have.",
                **shown,
            )
        signed = int(minor)
        if signed == 0:
            return self.invalid(parsed.row, f"{where}: the amount is zero, nothing to import.", **shown)
        txn = transaction_for(self.imp, parsed, signed, self.currency.code, categories=self.categories)
        problems = check_transaction(txn)
        if problems:
            return self.invalid(parsed.row, f"{where}: {problems}", signed_amount=signed, amount=abs(signed), **shown)
        return ImportRow(
            bank_import=self.imp,
            row=parsed.row,
            status=ImportRow.Status.NEW,
            posting_date=txn.posting_date,
            amount=abs(signed),
            signed_amount=signed,
            pending=parsed.pending,
            match_key=normalize_description(parsed.description),
            **shown,
        )


def transaction_for(imp: Import, row: Any, signed: int, currency: str, *, categories: dict[str, str]) -> Transaction:
    """The transaction a row would become (not saved): a ParsedRow while reading, an ImportRow at commit.
    `categories` is the owner's slug -> kind, read once per batch (`user_category_kinds`)."""
    posting = row.posting_date if row.posting_date and row.posting_date >= row.transaction_date else None
    values: dict[str, Any] = {}
    if row.category:
        values["category"] = row.category
    txn = Transaction(
        user_id=imp.user_id,
        bank_account_id=imp.bank_account_id,
        bank_import_id=imp.pk,
        currency=currency,
        amount=abs(signed),
        signed_amount=signed,
        type=Transaction.Type.DEBIT if signed < 0 else Transaction.Type.CREDIT,
        status=Transaction.Status.PENDING if row.pending else Transaction.Status.COMPLETED,
        description=row.description,
        merchant_name=row.merchant_name,
        transaction_date=row.transaction_date,
        posting_date=posting,
        external_id=row.external_id,
        **values,
    )
    share_categories([txn], categories)
    return txn


def check_transaction(txn: Transaction) -> str:
    """What the rules for a transaction say is wrong with it ("" when nothing): the model's, field by field
    (no query), and the service's about the verification category."""
    if txn.category == Category.VERIFICATION:
        return f"category: {VERIFICATION_CATEGORY_MESSAGE}"
    try:
        txn.clean_fields(exclude=NOT_CHECKED)
        txn.clean()
    except ValidationError as error:
        return " ".join(
            (f"{name.replace('_', ' ')}: " if name != "__all__" else "") + " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return ""


def import_parse_give_up(arguments: dict[str, Any], error: BaseException) -> None:
    """The reading task failed for good: the import fails with a message, and its file goes."""
    import_id = arguments.get("import_id")
    imp = Import.objects.filter(pk=import_id, status=Import.Status.PARSING).first() if import_id is not None else None
    if imp is not None:
        _fail(imp, "This file could not be read because of an error on our side: try uploading it again.")


# An import left waiting for its mapping this long is given up, and its file deleted.
ABANDONED_AFTER = datetime.timedelta(days=7)


def imports_purge_abandoned(*, now: datetime.datetime | None = None) -> int:
    """Fail the imports left waiting for a mapping (or stuck reading) for a week, deleting their files: an
    uploaded file is kept only while it is needed. Returns how many."""
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    stale = Import.objects.filter(
        status__in=[Import.Status.NEEDS_MAPPING, Import.Status.PARSING], created_at__lt=cutoff
    ).exclude(file="")
    count = 0
    for imp in stale.iterator(chunk_size=200):
        _fail(imp, "This file waited a week for its columns to be chosen and was deleted: upload it again.")
        count += 1
    return count
