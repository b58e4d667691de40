"""`manage.py import_transactions`: the same import from a shell."""

import pytest
from django.core.management import CommandError, call_command

from banking.models import Import, Transaction
from tests.banking.conftest import make_account
from tests.banking.import_helpers import SAMPLES, media  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(owner):
    return make_account(owner, nickname="Everyday")


def test_previews_without_writing(owner, account, capsys):
    call_command("import_transactions", str(SAMPLES / "ofx102_checking.ofx"), email=owner.email,
                 account=str(account.pk), verbosity=0)  # fmt: skip

    assert "7 rows, 7 new, 0 duplicates" in capsys.readouterr().out
    assert not Transaction.objects.filter(bank_import__isnull=False).exists()


def test_commit_writes_the_new_rows(owner, account, capsys):
    call_command("import_transactions", str(SAMPLES / "ofx102_checking.ofx"), email=owner.email,
                 account=str(account.pk), commit=True, verbosity=0)  # fmt: skip

    assert Transaction.objects.filter(bank_import=Import.objects.get()).count() == 7
    assert "Imported 7 transactions" in capsys.readouterr().out


def test_a_csv_needs_a_mapping_and_the_error_says_which(owner, account):
    with pytest.raises(CommandError, match="needs --mapping"):
        call_command("import_transactions", str(SAMPLES / "us_harbor_checking.csv"), email=owner.email,
                     account=str(account.pk), verbosity=0)  # fmt: skip


def test_a_csv_with_a_mapping_is_read(owner, account, capsys):
    mapping = '{"date": "Posting Date", "amount": "Amount", "description": "Description"}'
    call_command("import_transactions", str(SAMPLES / "us_harbor_checking.csv"), email=owner.email,
                 account=str(account.pk), mapping=mapping, commit=True, verbosity=0)  # fmt: skip

    assert Transaction.objects.filter(bank_import__isnull=False).count() == 7


def test_another_users_account_is_refused(owner, outsider, account):
    with pytest.raises(CommandError, match="has no bank account"):
        call_command("import_transactions", str(SAMPLES / "ofx102_checking.ofx"), email=outsider.email,
                     account=str(account.pk), verbosity=0)  # fmt: skip
