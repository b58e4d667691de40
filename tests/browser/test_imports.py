"""Importing in a real browser: upload a CSV, map it, preview, flip a duplicate, commit, see the transactions,
undo."""

import datetime
import re

import pytest

from banking.models import Import, Transaction
from tests.banking.conftest import add_transaction, make_account
from tests.banking.import_helpers import media  # noqa: F401
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"""Booked,Details,Value,Ref
14/03/2025,Blue Bottle Coffee,"-4,75",A
14/03/2025,Blue Bottle Coffee,"-4,75",B
16/03/2025,Grocer & Sons,"-32,10",C
18/03/2025,Salary,"2.400,00",D
"""


@pytest.fixture
def olive(db):
    user = make_user("olive@example.com", name="Olive Owner")
    account = make_account(user, nickname="Everyday", currency="EUR")
    add_transaction(user, account, amount=475, day=datetime.date(2025, 3, 14), description="Blue Bottle Coffee")
    return user, account


def test_upload_map_preview_flip_commit_and_undo(page, olive, tmp_path):
    user, account = olive
    path = tmp_path / "export.csv"
    path.write_bytes(CSV)
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Bank file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r"/dashboard/imports/[0-9a-f-]+/$"))

    # The wizard guessed most of it; the description column is named oddly, so choose it.
    assert page.get_by_role("heading", name="Which column holds what?").is_visible()
    assert page.get_by_label("Date", exact=True).input_value() == "Booked"
    assert page.get_by_label("Decimal separator").input_value() == ","
    page.get_by_label("Description").select_option("Details")
    page.get_by_role("button", name="Read the file with this mapping").click()

    # Preview: one coffee is already there, the other is a real second one.
    assert "Import 3 transactions" in page.content()
    duplicate = page.locator("tr.row-duplicate")
    assert duplicate.count() == 1 and "Blue Bottle Coffee" in duplicate.inner_text()
    duplicate.get_by_role("button", name="Import anyway").click()
    page.get_by_role("button", name="Import 4 transactions").click()
    page.wait_for_load_state()
    imp = Import.objects.get()
    assert imp.status == "completed"
    assert "Imported" in page.content()

    page.get_by_role("link", name="See the transactions").click()
    history = page.locator("table.transactions").inner_text()
    assert "Grocer & Sons" in history and "Salary" in history
    assert Transaction.objects.filter(bank_account=account, description="Blue Bottle Coffee").count() == 3

    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo this import").click()
    page.wait_for_load_state()
    assert "Import undone: 4 transactions removed." in page.content()
    assert Transaction.objects.filter(bank_account=account, description="Blue Bottle Coffee").count() == 1


@pytest.mark.parametrize("width", [390, 1280])
def test_the_preview_reads_at_phone_and_desktop_widths(page, olive, width):
    from tests.banking.import_helpers import import_via_service

    user, account = olive
    imp = import_via_service(
        user, account, "x.csv", content=CSV, mapping={"date": "Booked", "amount": "Value", "description": "Details",
                                                       "decimal_separator": ",", "date_format": "%d/%m/%Y"}
    )  # fmt: skip
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.goto(f"/dashboard/imports/{imp.pk}/")

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.get_by_role("button", name="Import 3 transactions").is_visible()
    page.goto("/dashboard/imports/")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_a_running_import_follows_its_progress_and_shows_the_result(page, olive):
    from tests.banking.import_helpers import import_via_service

    user, account = olive
    imp = import_via_service(user, account, "ofx102_checking.ofx")
    Import.objects.filter(pk=imp.pk).update(status="importing", progress_done=0, progress_total=7)
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.goto(f"/dashboard/imports/{imp.pk}/")
    assert "0 of 7 rows written" in page.content()
    Import.objects.filter(pk=imp.pk).update(progress_done=4)
    page.get_by_text("4 of 7 rows written").wait_for()
    Import.objects.filter(pk=imp.pk).update(status="completed", completed_at=imp.created_at)

    page.get_by_role("button", name="Undo this import").wait_for()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_mapping_wizard_reads_at_phone_and_desktop_widths(page, olive, width):
    from tests.banking.import_helpers import import_via_service

    user, account = olive
    imp = import_via_service(user, account, "de_giro_cp1252.csv")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.goto(f"/dashboard/imports/{imp.pk}/")

    assert page.get_by_role("button", name="Read the file with this mapping").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
