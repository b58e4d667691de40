"""Reads for bank-file imports: one import (404 unless it is the user's), the history, the preview's rows,
and the CSV mapping remembered for an account."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import User
from banking.importers.mapping import COLUMN_KEYS
from banking.models import BankAccount, Import, ImportRow, Transaction
from banking.pagination import Keyset, Page, paginate

IMPORT_KEYSET = Keyset("imports", ("created_at", "id"), descending=True)
IMPORT_ROW_KEYSET = Keyset("import_rows", ("row",), descending=False)


def get_import_for_user(*, user: User, import_id: Any) -> Import:
    """The user's own import (with its account), or 404."""
    try:
        return Import.objects.select_related("bank_account").get(pk=import_id, user=user)
    except (Import.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No import with that id.") from None


def import_page(*, user: User, cursor: str | None = None, limit: int = 50) -> Page:
    """The user's imports, newest first, with their accounts (one query)."""
    queryset = Import.objects.filter(user=user).select_related("bank_account").defer("inspection")
    return paginate(queryset, IMPORT_KEYSET, cursor=cursor, limit=limit)


def import_row_page(*, imp: Import, status: str | None = None, cursor: str | None = None, limit: int = 50) -> Page:
    """One page of an import's rows in file order, optionally of one status; raises InvalidCursor."""
    queryset = ImportRow.objects.filter(bank_import=imp)
    if status:
        queryset = queryset.filter(status=status)
    return paginate(queryset, IMPORT_ROW_KEYSET, cursor=cursor, limit=limit)


def duplicates_of(*, user: User, rows: list[ImportRow]) -> dict[Any, Transaction]:
    """The stored transactions these rows duplicate, by id (one query; removed ones are missing)."""
    ids = {row.duplicate_of for row in rows if row.duplicate_of}
    if not ids:
        return {}
    return {t.pk: t for t in Transaction.objects.filter(user=user, pk__in=ids)}


def remembered_mapping(*, bank_account: BankAccount, columns: list[str]) -> dict[str, Any] | None:
    """The mapping last confirmed for a CSV file of this account, if every column it names is in `columns`."""
    recent = (
        Import.objects.filter(bank_account=bank_account, format=Import.Format.CSV, mapping_confirmed=True)
        .exclude(status=Import.Status.FAILED)
        .order_by("-created_at")
        .values_list("mapping", flat=True)[:10]
    )
    for mapping in recent:
        if mapping and all(mapping.get(key) in columns for key in COLUMN_KEYS if mapping.get(key)):
            return dict(mapping)
    return None
