"""The import API's schemas: what an import and its rows look like as JSON, and what the steps may send."""

import datetime
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from banking.models import Import, ImportRow


class ImportErrorOut(Schema):
    row: int | None
    message: str


class ImportProgressOut(Schema):
    """The running step: "reading" counts bytes of the file, "importing" rows written."""

    step: str | None
    done: int
    total: int


class StatementOut(Schema):
    index: int
    account: str
    currency: str
    rows: int
    start: datetime.date | None
    end: datetime.date | None


class ImportOut(Schema):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    filename: str
    format: str
    status: str
    rows_total: int
    rows_new: int
    rows_duplicate: int
    rows_invalid: int
    errors: list[ImportErrorOut]
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    progress: ImportProgressOut
    # What reading the file needs from you (status needs_mapping): the confirmed or suggested mapping, a CSV
    # file's columns and first rows, or the statements of a file with several accounts.
    mapping: dict[str, Any]
    suggested_mapping: dict[str, Any]
    columns: list[str]
    sample: list[list[str]]
    statements: list[StatementOut]

    @staticmethod
    def resolve_progress(obj: Import) -> dict[str, Any]:
        steps: dict[str, str] = {Import.Status.PARSING: "reading", Import.Status.IMPORTING: "importing"}
        step = steps.get(obj.status)
        return {"step": step, "done": obj.progress_done, "total": obj.progress_total}

    @staticmethod
    def resolve_suggested_mapping(obj: Import) -> dict[str, Any]:
        return (obj.inspection or {}).get("guessed") or {}

    @staticmethod
    def resolve_columns(obj: Import) -> list[str]:
        return (obj.inspection or {}).get("columns") or []

    @staticmethod
    def resolve_sample(obj: Import) -> list[list[str]]:
        return (obj.inspection or {}).get("sample") or []

    @staticmethod
    def resolve_statements(obj: Import) -> list[dict[str, Any]]:
        return (obj.inspection or {}).get("statements") or []


class ImportRowOut(Schema):
    row: int
    status: str
    transaction_date: datetime.date | None
    amount: int | None
    signed_amount: int | None
    description: str
    merchant_name: str
    external_id: str | None
    category: str | None
    duplicate_of: uuid.UUID | None
    message: str
    forced: bool

    @staticmethod
    def resolve_external_id(obj: ImportRow) -> str | None:
        return obj.external_id or None

    @staticmethod
    def resolve_category(obj: ImportRow) -> str | None:
        return obj.category or None


class ImportOne(Schema):
    model_config = ConfigDict(populate_by_name=True)

    bank_import: ImportOut = Field(alias="import")


class ImportList(Schema):
    imports: list[ImportOut]
    next_cursor: str | None


class ImportRowList(Schema):
    rows: list[ImportRowOut]
    next_cursor: str | None


class ImportRowQuery(Schema):
    status: Literal["new", "duplicate", "invalid"] | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value


class MappingIn(Schema):
    """CSV: the file's header names for each field, and how dates and amounts are written. A file with several
    accounts: `{"statement": n}`."""

    model_config = ConfigDict(extra="forbid")

    date: StrictStr | None = None
    amount: StrictStr | None = None
    debit: StrictStr | None = None
    credit: StrictStr | None = None
    description: StrictStr | None = None
    merchant_name: StrictStr | None = None
    external_id: StrictStr | None = None
    category: StrictStr | None = None
    date_format: StrictStr | None = None
    decimal_separator: StrictStr | None = None
    negate: StrictBool | None = None
    statement: StrictInt | None = None


class CommitIn(Schema):
    """Rows (by number) that are duplicates but real second transactions, to import as well."""

    model_config = ConfigDict(extra="forbid")

    include_rows: list[StrictInt] = Field(default_factory=list, max_length=1000)


class UndoIn(Schema):
    """`force`: undo even though some of the transactions were edited since (those are kept)."""

    model_config = ConfigDict(extra="forbid")

    force: StrictBool = False
