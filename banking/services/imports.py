"""Bank-file imports, the steps a person takes: upload a file, confirm its mapping, flip a duplicate, commit,
undo. Reading the file (banking.services.import_parsing) and writing its rows
(banking.services.import_commit) run as background tasks; these functions start them.
"""

import contextlib
import json
import os
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from accounts.audit import audit_log
from accounts.models import User
from banking.importers import HEAD_BYTES, ImportFileError, detect_format
from banking.importers import csvfile as csv_reader
from banking.importers.base import clip
from banking.importers.mapping import clean_mapping
from banking.models import BankAccount, Import, ImportRow
from banking.services.base import raise_if, validate
from banking.services.transactions import _usable_errors as usable_errors  # the rule for typed transactions
from saas.background import enqueue_on_commit


class ImportTooLarge(Exception):
    """The file is over IMPORT_MAX_BYTES."""


class ImportConflict(Exception):
    """The import is not in a state that allows this step; the message says why."""


def max_size_text() -> str:
    size = settings.IMPORT_MAX_BYTES
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size} bytes"


def parse_mapping_text(text: str | None) -> dict[str, Any] | None:
    """The `mapping` form field (a JSON object as text), or ValidationError saying what is wrong with it."""
    if text is None or not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except (ValueError, RecursionError):
        raise ValidationError({"mapping": ['Send the mapping as a JSON object, e.g. {"date": "Date", ...}.']}) from None
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": ['Send the mapping as a JSON object, e.g. {"date": "Date", ...}.']})
    return mapping


def _mapping_errors(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(
        {"mapping": [f"{key}: {message}" for key, messages in errors.items() for message in messages]}
    )


def import_create(
    *,
    user: User,
    bank_account: BankAccount,
    upload: File,
    filename: str,
    mapping: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Import:
    """Keep an uploaded bank file and start reading it. A file that is plainly not a bank statement (empty,
    a picture, an archive), too big, or a CSV mapping that does not fit it is refused at once, storing
    nothing."""
    if bank_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    raise_if(usable_errors(bank_account, field="bank_account_id"))
    size = upload.size or 0
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportTooLarge(f"The file is larger than {max_size_text()}: split it into shorter periods.")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    try:
        kind = detect_format(head)
    except ImportFileError as error:
        raise ValidationError({"file": [error.message]}) from None
    confirmed: dict[str, Any] = {}
    if mapping is not None:
        if kind == "csv":
            try:
                # A Django File proxies the binary file object it wraps.
                columns = csv_reader.inspect(cast(BinaryIO, upload), currency=bank_account.currency).columns
            except ImportFileError as error:
                raise ValidationError({"file": [error.message]}) from None
            confirmed, errors = clean_mapping(mapping, columns)
            if errors:
                raise _mapping_errors(errors)
        else:
            confirmed = _statement_choice(mapping)
    imp = Import(
        user=user,
        bank_account=bank_account,
        filename=clip(os.path.basename(filename or "") or "upload", 255) or "upload",
        format=kind,
        file_size=size,
        mapping=confirmed,
        mapping_confirmed=bool(confirmed),
        progress_total=size,
    )
    validate(imp, exclude=["user", "bank_account", "file"])
    upload.seek(0)
    imp.file.save("upload", upload, save=False)
    try:
        with transaction.atomic():
            imp.save(force_insert=True)
            audit_log(
                action="import.created",
                user=user,
                request=request,
                details={"import_id": str(imp.pk), "bank_account_id": str(bank_account.pk), "format": kind},
            )
            _enqueue_parse(imp)
    except BaseException:
        imp.file.delete(save=False)
        raise
    return imp


def _statement_choice(mapping: dict[str, Any]) -> dict[str, Any]:
    statement = mapping.get("statement")
    unknown = sorted(set(mapping) - {"statement"})
    if unknown or statement is None:
        raise ValidationError({"mapping": ['For an OFX, QIF or CAMT.053 file the mapping is {"statement": n}.']})
    if isinstance(statement, bool) or not isinstance(statement, int) or statement < 0:
        raise ValidationError({"mapping": ["statement: send the number of the statement to import (0 is the first)."]})
    return {"statement": statement}


def _enqueue_parse(imp: Import) -> None:
    from banking.tasks import import_parse  # the task calls back into the services

    enqueue_on_commit(import_parse, import_id=str(imp.pk))


@transaction.atomic
def import_set_mapping(*, user: User, imp: Import, mapping: Any, request: HttpRequest | None = None) -> Import:
    """Confirm how to read the file (CSV columns, or which statement of several) and read it again."""
    locked = Import.objects.select_for_update().get(pk=imp.pk, user=user)
    if locked.status not in (Import.Status.NEEDS_MAPPING, Import.Status.READY) or not locked.file:
        raise ImportConflict(_state_message(locked, "change its mapping"))
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": ["Send the mapping as a JSON object."]})
    if locked.format == Import.Format.CSV:
        confirmed, errors = clean_mapping(mapping, locked.inspection.get("columns") or [])
        raise_if(errors)
    else:
        confirmed = _statement_choice(mapping)
        count = len(locked.inspection.get("statements") or [])
        if confirmed["statement"] >= count:
            raise ValidationError({"statement": [f"This file holds {count} statements: choose 0 to {count - 1}."]})
    locked.mapping, locked.mapping_confirmed = confirmed, True
    locked.status = Import.Status.PARSING
    locked.errors, locked.progress_done, locked.progress_total = [], 0, locked.file_size
    locked.save(update_fields=["mapping", "mapping_confirmed", "status", "errors", "progress_done", "progress_total"])
    _enqueue_parse(locked)
    return locked


def _state_message(imp: Import, step: str) -> str:
    messages: dict[str, str] = {
        Import.Status.PARSING: "the file is still being read",
        Import.Status.NEEDS_MAPPING: "it needs its mapping confirmed first",
        Import.Status.READY: "it has not been imported yet",
        Import.Status.IMPORTING: "its rows are being written",
        Import.Status.COMPLETED: "it is imported already",
        Import.Status.FAILED: "it failed: upload the file again",
        Import.Status.UNDONE: "it was undone already",
    }
    return f"You cannot {step} now: {messages.get(imp.status, imp.status)}."


@transaction.atomic
def import_row_flip(*, user: User, imp: Import, row: int, to_new: bool) -> ImportRow:
    """Mark a duplicate as a real second transaction (`to_new`), or back as a duplicate, before committing."""
    locked = Import.objects.select_for_update().get(pk=imp.pk, user=user)
    if locked.status != Import.Status.READY:
        raise ImportConflict(_state_message(locked, "change its rows"))
    try:
        line = ImportRow.objects.select_for_update().get(bank_import=locked, row=row)
    except ImportRow.DoesNotExist:
        raise ValidationError({"row": [f"This import has no row {row}."]}) from None
    if line.by_reference:
        raise ValidationError(
            {"row": ["The account already has a transaction with this row's bank reference: it is the same one."]}
        )
    if to_new and line.status == ImportRow.Status.DUPLICATE:
        line.status, line.forced = ImportRow.Status.NEW, True
        counts = {"rows_new": F("rows_new") + 1, "rows_duplicate": F("rows_duplicate") - 1}
    elif not to_new and line.status == ImportRow.Status.NEW and line.forced:
        line.status, line.forced = ImportRow.Status.DUPLICATE, False
        counts = {"rows_new": F("rows_new") - 1, "rows_duplicate": F("rows_duplicate") + 1}
    else:
        raise ValidationError({"row": ["Only a duplicate can be marked new, and only a row marked new put back."]})
    line.save(update_fields=["status", "forced"])
    Import.objects.filter(pk=locked.pk).update(**counts)
    return line


@transaction.atomic
def import_commit(
    *, user: User, imp: Import, include_rows: list[int] | None = None, request: HttpRequest | None = None
) -> Import:
    """Start writing the import's new rows (after marking `include_rows` duplicates as new)."""
    account = BankAccount.objects.select_for_update().get(pk=imp.bank_account_id, user=user)
    raise_if(usable_errors(account, field="bank_account_id"))
    locked = Import.objects.select_for_update().get(pk=imp.pk, user=user)
    if locked.status != Import.Status.READY:
        raise ImportConflict(_state_message(locked, "import it"))
    if Import.objects.filter(bank_account=account, status=Import.Status.IMPORTING).exists():
        raise ImportConflict("Another file is being imported into this account: wait until it has finished.")
    for row in include_rows or []:
        line = ImportRow.objects.filter(bank_import=locked, row=row).only("status", "forced").first()
        if line is None or not (line.status == ImportRow.Status.NEW and line.forced):
            import_row_flip(user=user, imp=locked, row=row, to_new=True)
    locked.refresh_from_db()
    locked.status = Import.Status.IMPORTING
    locked.progress_done, locked.progress_total = 0, locked.rows_new
    locked.save(update_fields=["status", "progress_done", "progress_total"])
    from banking.tasks import import_commit as commit_task  # the task calls back into the services

    enqueue_on_commit(commit_task, import_id=str(locked.pk))
    return locked


def _delete_folder(path: str) -> None:
    folders, files = default_storage.listdir(path)
    for name in files:
        default_storage.delete(f"{path}/{name}")
    for name in folders:
        _delete_folder(f"{path}/{name}")


def import_files_delete(*, user: User) -> None:
    """Account deletion: the user's uploaded bank files and samples go too, once the deletion commits.
    (Registered with accounts.registry; their Import rows go by foreign-key cascade.)"""
    folder = f"imports/{user.pk}"

    def delete() -> None:
        with contextlib.suppress(FileNotFoundError):
            _delete_folder(folder)

    transaction.on_commit(delete)
