"""The import pages: upload, the mapping wizard, the preview with flips, commit, undo, the history, samples."""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from banking.models import Import, Transaction
from tests.banking.conftest import add_transaction, make_account
from tests.banking.import_helpers import commit, import_via_service, media, upload_file  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(owner):
    return make_account(owner, nickname="Everyday")


def _upload(client, account, name, content=None):
    return client.post("/dashboard/imports/", {"bank_account_id": str(account.pk), "file": upload_file(name, content)})


def test_uploading_a_file_leads_to_its_preview(owner_client, account):
    response = _upload(owner_client, account, "ofx102_checking.ofx")

    imp = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/imports/{imp.pk}/"
    page = owner_client.get(response["Location"]).content.decode()
    assert "Import 7 transactions" in page and "PARKVIEW APARTMENTS" in page


def test_a_file_that_is_not_a_bank_file_shows_why_on_the_form(owner_client, account):
    response = _upload(owner_client, account, "scan.pdf", b"%PDF-1.7 ...")

    assert response.status_code == 400 and "This is a PDF document" in response.content.decode()
    assert not Import.objects.exists()


def test_a_file_over_the_limit_is_refused_on_the_form(owner_client, account, settings):
    settings.IMPORT_MAX_BYTES = 500

    response = _upload(owner_client, account, "big.csv", b"Date,Amount\n" + b"2025-03-01,1.00\n" * 100)

    assert response.status_code == 400 and "larger than" in response.content.decode()


@pytest.mark.parametrize("rows", [100, 6000], ids=["over-the-limit", "over-the-limit-and-its-framing"])
def test_a_browser_gets_the_size_message_not_a_csrf_failure(owner, account, settings, rows):
    # A browser's POST is CSRF-checked before the view: the token sent beside a refused file must still
    # be read, so the person sees what to fix. (6,000 rows: ~96 KB, refused from the declared length.)
    settings.IMPORT_MAX_BYTES = 500
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/dashboard/imports/")
    form = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, "bank_account_id": str(account.pk)}
    form["file"] = upload_file("big.csv", b"Date,Amount\n" + b"2025-03-01,1.00\n" * rows)

    response = client.post("/dashboard/imports/", form)

    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not Import.objects.exists()


def test_the_mapping_wizard_shows_the_first_rows_and_the_guess(owner_client, account):
    _upload(owner_client, account, "us_harbor_checking.csv")
    imp = Import.objects.get()

    page = owner_client.get(f"/dashboard/imports/{imp.pk}/").content.decode()

    assert "Which column holds what?" in page and "ACME CORP PAYROLL" in page
    assert '<option value="Posting Date" selected>' in page


def test_confirming_the_mapping_reads_the_file(owner_client, account):
    _upload(owner_client, account, "us_harbor_checking.csv")
    imp = Import.objects.get()
    form = {k: v for k, v in imp.inspection["guessed"].items() if k != "negate"}

    response = owner_client.post(f"/dashboard/imports/{imp.pk}/mapping", form)

    imp.refresh_from_db()
    assert response.status_code == 302 and imp.status == "ready" and imp.rows_new == 7


def test_a_mapping_without_a_date_column_is_shown_again_with_the_problem(owner_client, account):
    _upload(owner_client, account, "us_harbor_checking.csv")
    imp = Import.objects.get()

    response = owner_client.post(f"/dashboard/imports/{imp.pk}/mapping", {"amount": "Amount", "decimal_separator": "."})

    assert response.status_code == 400 and "Choose the column that holds each transaction" in response.content.decode()


def test_a_duplicate_links_to_the_transaction_it_duplicates_and_can_be_flipped(owner, owner_client, account):
    typed = add_transaction(owner, account, amount=475, day=datetime.date(2025, 3, 14), description="Cafe Creme & Co")
    content = b"Date,Description,Amount\n2025-03-14,CAFE CREME & CO,-4.75\n"
    mapping = {"date": "Date", "amount": "Amount", "description": "Description"}
    imp = import_via_service(owner, account, "x.csv", content=content, mapping=mapping)

    page = owner_client.get(f"/dashboard/imports/{imp.pk}/").content.decode()
    owner_client.post(f"/dashboard/imports/{imp.pk}/rows/2/flip", {"to": "new"})

    assert f"/dashboard/transactions/{typed.pk}/edit" in page and "Import anyway" in page
    imp.refresh_from_db()
    assert (imp.rows_new, imp.rows_duplicate) == (1, 0)


def test_commit_and_undo_from_the_page(owner, owner_client, account):
    imp = import_via_service(owner, account, "ofx102_checking.ofx")

    owner_client.post(f"/dashboard/imports/{imp.pk}/commit")
    assert Transaction.objects.filter(bank_import=imp).count() == 7
    owner_client.post(f"/dashboard/imports/{imp.pk}/undo")

    imp.refresh_from_db()
    assert imp.status == "undone" and not Transaction.objects.filter(bank_import=imp).exists()


def test_undo_after_an_edit_asks_before_removing_the_others(owner, owner_client, account):
    imp = commit(owner, import_via_service(owner, account, "ofx102_checking.ofx"))
    Transaction.objects.filter(bank_import=imp).first().save()  # an edit since

    asked = owner_client.post(f"/dashboard/imports/{imp.pk}/undo")
    owner_client.post(f"/dashboard/imports/{imp.pk}/undo", {"force": "1"})

    assert asked.status_code == 409 and "Undo the others anyway" in asked.content.decode()
    assert Transaction.objects.filter(bank_import=imp).count() == 1


def test_a_running_import_shows_its_progress_and_follows_it(owner, owner_client, account):
    imp = import_via_service(owner, account, "ofx102_checking.ofx")
    Import.objects.filter(pk=imp.pk).update(status="importing", progress_done=3, progress_total=7)

    page = owner_client.get(f"/dashboard/imports/{imp.pk}/").content.decode()

    assert "3 of 7 rows written" in page and "js/imports.js" in page
    assert f'data-import-url="/api/imports/{imp.pk}"' in page


def test_the_history_lists_file_account_counts_and_status(owner, owner_client, account, django_assert_max_num_queries):
    for _ in range(3):
        import_via_service(owner, account, "ofx102_checking.ofx")

    with django_assert_max_num_queries(12):
        page = owner_client.get("/dashboard/imports/").content.decode()

    assert page.count("ofx102_checking.ofx") == 3 and "Everyday" in page and "Ready to import" in page


def test_the_preview_has_a_fixed_number_of_queries(owner, owner_client, account, django_assert_max_num_queries):
    imp = import_via_service(owner, account, "ofx102_checking.ofx")

    with django_assert_max_num_queries(12):
        response = owner_client.get(f"/dashboard/imports/{imp.pk}/")

    assert response.status_code == 200


def test_another_users_import_page_is_a_404(owner, outsider_client, account):
    imp = import_via_service(owner, account, "ofx102_checking.ofx")

    for path in ("", "mapping", "commit", "undo", "rows/1/flip"):
        method = outsider_client.get if not path else outsider_client.post
        assert method(f"/dashboard/imports/{imp.pk}/{path}").status_code == 404


def test_the_navigation_links_to_import(owner_client):
    assert '<a href="/dashboard/imports/"' in owner_client.get("/dashboard/").content.decode()


def test_seed_demo_leaves_sample_files_the_imports_page_offers(db):
    call_command("seed_demo", verbosity=0)
    client = Client()
    client.force_login(User.objects.get(email="demo@example.com"))

    page = client.get("/dashboard/imports/").content.decode()
    response = client.post("/dashboard/imports/sample", {"name": "checking-statement.ofx"})

    assert "Try a sample file" in page and "card-activity.csv" in page
    imp = Import.objects.get()
    assert response.status_code == 302 and imp.status == "ready"
    assert imp.rows_duplicate > 0 and imp.rows_new == 3  # the demo data has the rest


def test_the_sample_csv_needs_only_the_guessed_mapping(db):
    call_command("seed_demo", verbosity=0)
    client = Client()
    user = User.objects.get(email="demo@example.com")
    client.force_login(user)

    client.post("/dashboard/imports/sample", {"name": "card-activity.csv"})
    imp = Import.objects.get()
    guessed = {k: v for k, v in imp.inspection["guessed"].items() if k != "negate"}
    client.post(f"/dashboard/imports/{imp.pk}/mapping", guessed)

    imp.refresh_from_db()
    assert imp.status == "ready" and imp.rows_new == 4  # among them two identical coffees, both real


def test_other_users_get_no_samples(owner_client):
    assert "Try a sample file" not in owner_client.get("/dashboard/imports/").content.decode()


def test_deleting_the_account_deletes_the_users_files(owner, owner_client, account, settings):
    from tests.conftest import PASSWORD

    import_via_service(owner, account, "us_harbor_checking.csv")  # waits for its mapping: the file is kept
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(owner.pk)
    assert any(p.is_file() for p in folder.rglob("*"))

    owner_client.post("/dashboard/settings/data/delete", {"email": owner.email})
    owner_client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": "/dashboard/settings/data/delete"})

    assert not User.objects.filter(pk=owner.pk).exists()
    assert not any(p.is_file() for p in folder.rglob("*"))


def test_imports_left_waiting_a_week_are_failed_and_their_files_deleted(owner, account, settings):
    from banking.tasks import imports_purge_abandoned
    from saas.background import run_here

    imp = import_via_service(owner, account, "us_harbor_checking.csv")
    Import.objects.filter(pk=imp.pk).update(created_at=imp.created_at - datetime.timedelta(days=8))
    fresh = import_via_service(owner, account, "us_harbor_checking.csv")

    assert run_here(imports_purge_abandoned) == 1
    imp.refresh_from_db()
    fresh.refresh_from_db()
    assert imp.status == "failed" and not imp.file and "upload it again" in imp.errors[0]["message"]
    assert fresh.status == "needs_mapping" and fresh.file
