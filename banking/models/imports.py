"""Bank-file imports: one `Import` per uploaded file, one `ImportRow` per line read from it.

The uploaded file is kept (in the default storage, under the user's folder) only until its rows are read;
the rows are the preview. Committing writes a Transaction for each `new` row, linked back to its import
(`Transaction.bank_import`), so undo can remove exactly those.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from banking.models.bank_accounts import BankAccount
from banking.models.fields import MinorUnitsField, date_field
from saas.validators import validate_text

# How many problems an import keeps (and shows): enough to see what is wrong with a file.
MAX_ERRORS = 100


def import_file_path(instance: "Import", filename: str) -> str:
    """Under the user's folder, so deleting a user removes every file of theirs in one go."""
    return f"imports/{instance.user_id}/{instance.pk}/upload"


class Import(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        OFX = "ofx", "OFX / QFX"
        QIF = "qif", "QIF"
        CAMT053 = "camt053", "CAMT.053"

    class Status(models.TextChoices):
        PARSING = "parsing", "Reading the file"
        NEEDS_MAPPING = "needs_mapping", "Needs your input"
        READY = "ready", "Ready to import"
        IMPORTING = "importing", "Importing"
        COMPLETED = "completed", "Imported"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    # Still moving: a page showing one of these refreshes itself.
    RUNNING = frozenset({Status.PARSING, Status.IMPORTING})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=255, validators=[validate_text])
    format = models.CharField(max_length=10, choices=Format.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PARSING)
    file = models.FileField(upload_to=import_file_path, max_length=200, blank=True)
    file_size = models.BigIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # The first MAX_ERRORS problems: [{"row": n or null for the whole file, "message": "..."}].
    errors = models.JSONField(default=list, blank=True)
    # What a first look at the file found (banking.importers.base.Inspection): statements, CSV columns and a
    # sample, the guessed mapping.
    inspection = models.JSONField(default=dict, blank=True)
    # What the user confirmed (CSV columns, or which statement of a file with several); reused for the account.
    mapping = models.JSONField(default=dict, blank=True)
    mapping_confirmed = models.BooleanField(default=False)
    # Progress of the running step: `progress_done` of `progress_total` (bytes while reading, rows after).
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["parsing", "needs_mapping", "ready", "importing", "completed", "failed", "undone"]
                ),
                name="import_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=["", "csv", "ofx", "qif", "camt053"]), name="import_format_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="import_user_history_idx"),
            models.Index(fields=["bank_account", "format", "-created_at"], name="import_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))


class ImportRow(models.Model):
    """One line of an imported file, as read: a new transaction, a duplicate of a stored one, or invalid."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        DUPLICATE = "duplicate", "Duplicate"
        INVALID = "invalid", "Invalid"

    id = models.BigAutoField(primary_key=True)
    bank_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()  # the line (or record) of the file it came from
    status = models.CharField(max_length=10, choices=Status.choices)
    transaction_date = date_field(null=True, blank=True)
    posting_date = date_field(null=True, blank=True)
    amount = MinorUnitsField(null=True, blank=True)
    signed_amount = MinorUnitsField(null=True, blank=True)
    description = models.CharField(max_length=255, blank=True)
    merchant_name = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=40, blank=True)
    pending = models.BooleanField(default=False)
    # The description as duplicates are matched (banking.importers.base.normalize_description).
    match_key = models.CharField(max_length=255, blank=True)
    # Plain ids rather than foreign keys: a transaction removed later must not cascade into the preview, and
    # its deletion must stay a single DELETE (no per-row work to null these).
    duplicate_of = models.UUIDField(null=True, blank=True)
    # Committed: its transaction exists, with the id `transaction_id` gives (so a batch marks its rows with one
    # UPDATE, and a commit that stopped half-way carries on after the rows already written).
    written = models.BooleanField(default=False)
    # A duplicate because the account already has its reference (external_id): never a second transaction.
    by_reference = models.BooleanField(default=False)
    # The user said this duplicate is a real second transaction.
    forced = models.BooleanField(default=False)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["bank_import", "row"]
        constraints = [
            models.UniqueConstraint(fields=["bank_import", "row"], name="import_row_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["new", "duplicate", "invalid"]), name="import_row_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["bank_import", "status", "row"], name="import_row_status_idx"),
            models.Index(fields=["bank_import", "transaction_date"], name="import_row_date_idx"),
            models.Index(
                fields=["bank_import", "external_id"], condition=~Q(external_id=""), name="import_row_external_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Row {self.row} ({self.status})"

    @property
    def transaction_id(self) -> uuid.UUID:
        """The id of the transaction this row becomes (the same on every try, so a retry cannot write it twice)."""
        return uuid.uuid5(self.bank_import_id, str(self.row))
