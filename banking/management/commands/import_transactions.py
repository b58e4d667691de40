"""Import a bank file from a shell: the same import as the site's (reading, duplicates, commit), with progress."""

import json
import time
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from banking import services
from banking.models import BankAccount, Import
from banking.services.import_commit import import_commit_run
from banking.services.import_parsing import import_parse


class Command(BaseCommand):
    help = (
        "Read a bank file (OFX/QFX, QIF, CAMT.053 or CSV) into an import for one of a user's accounts and show "
        "what it holds: new, duplicate and invalid rows. With --commit, write the new rows as transactions. "
        "A CSV needs --mapping the first time for an account (a JSON object, as for POST /api/imports/<id>/mapping)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Path of the bank file.")
        parser.add_argument("--email", required=True, help="The owner's e-mail address.")
        parser.add_argument("--account", required=True, help="The id of the bank account to import into.")
        parser.add_argument("--mapping", default=None, help='CSV: {"date": "Date", "amount": "Amount", ...}.')
        parser.add_argument("--commit", action="store_true", help="Write the new rows (otherwise only a preview).")

    def handle(self, *args, file: str, email: str, account: str, mapping: str | None, commit: bool, verbosity,
               **options) -> None:  # fmt: skip
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email}.")
        bank_account = BankAccount.objects.filter(user=user, pk=account).first() if _is_uuid(account) else None
        if bank_account is None:
            raise CommandError(f"{email} has no bank account with the id {account}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        try:
            chosen = services.parse_mapping_text(mapping)
            with path.open("rb") as handle:
                imp = services.import_create(
                    user=user, bank_account=bank_account, upload=File(handle, name=path.name), filename=path.name,
                    mapping=chosen,
                )  # fmt: skip
        except services.ImportTooLarge as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        self._follow(imp, "Reading", verbosity)
        imp.refresh_from_db()
        if imp.status == Import.Status.PARSING:  # queued for a worker: read it here instead
            import_parse(import_id=str(imp.pk))
            imp.refresh_from_db()
        self._report(imp)
        if imp.status == Import.Status.NEEDS_MAPPING:
            columns = ", ".join(imp.inspection.get("columns") or [])
            guessed = json.dumps(imp.inspection.get("guessed") or {})
            raise CommandError(f"This CSV needs --mapping. Its columns: {columns}. A guess: --mapping '{guessed}'")
        if imp.status == Import.Status.FAILED or not commit:
            return
        services.import_commit(user=user, imp=imp)
        imp.refresh_from_db()
        if imp.status == Import.Status.IMPORTING:
            with tqdm(total=imp.progress_total, unit="row", desc="Importing", disable=verbosity == 0) as bar:
                import_commit_run(import_id=str(imp.pk))
                bar.update(imp.progress_total)
            imp.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(f"Imported {imp.rows_new} transactions (import {imp.pk})."))

    def _follow(self, imp: Import, label: str, verbosity: int) -> None:
        """Tasks ran already unless a worker takes them: wait a little for one, showing the progress."""
        with tqdm(total=imp.file_size, unit="B", unit_scale=True, desc=label, disable=verbosity == 0) as bar:
            for _ in range(50):
                imp.refresh_from_db()
                bar.n = imp.progress_done if imp.status == Import.Status.PARSING else imp.file_size
                bar.refresh()
                if imp.status != Import.Status.PARSING:
                    return
                time.sleep(0.1)

    def _report(self, imp: Import) -> None:
        self.stdout.write(
            f"{imp.filename} ({imp.format}): {imp.rows_total} rows, {imp.rows_new} new, "
            f"{imp.rows_duplicate} duplicates, {imp.rows_invalid} invalid; status {imp.status}."
        )
        for error in imp.errors[:20]:
            self.stdout.write(f"  {'row ' + str(error['row']) + ': ' if error.get('row') else ''}{error['message']}")
        if imp.status == Import.Status.FAILED:
            raise CommandError("The file could not be imported.")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)
