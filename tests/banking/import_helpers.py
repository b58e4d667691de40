"""Helpers for the import tests: the sample files, and uploading them through the API or the services."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def upload_file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample(name) if content is None else content)


def api_upload(api, account, name: str, content: bytes | None = None, **extra):
    """POST /api/imports as multipart, with the session's CSRF header or the token."""
    data = {"file": upload_file(name, content), "bank_account_id": str(account.pk), **extra}
    return api.client.post("/api/imports", data, headers=api._headers())


def import_via_service(user, account, name: str, content: bytes | None = None, mapping=None):
    from banking import services

    imp = services.import_create(
        user=user, bank_account=account, upload=upload_file(name, content), filename=name, mapping=mapping
    )
    imp.refresh_from_db()
    return imp


def commit(user, imp, **kwargs):
    from banking import services

    services.import_commit(user=user, imp=imp, **kwargs)
    imp.refresh_from_db()
    return imp


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to a temporary folder, removed after each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def rows_of(imp, status=None):
    from banking.models import ImportRow

    queryset = ImportRow.objects.filter(bank_import=imp).order_by("row")
    return list(queryset.filter(status=status) if status else queryset)
