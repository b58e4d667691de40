"""Budgets with rollover and the history's totals in a real browser, at phone and desktop widths: the carry
and the past periods show, the totals follow the filter, the CSV downloads, and the browser reports nothing
(console errors and CSP violations fail the test through the page fixture)."""

import csv
import datetime
import io

import pytest

from banking import services
from tests.banking.conftest import add_transaction, make_account
from tests.browser.conftest import sign_in
from tests.browser.test_responsive import OVERFLOWING
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [390, 1280]
TODAY = datetime.date.today()
LAST_MONTH = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture
def budgeter(db):
    """Groceries: 25.00 spent last month against a 100.00 monthly budget that rolls over; a salary; dining."""
    user = make_user("budget@example.com", name="Bea Budget")
    checking = make_account(user, nickname="Everyday Checking")
    add_transaction(user, checking, amount=2500, category="groceries", description="Market", day=LAST_MONTH)
    add_transaction(user, checking, amount=1000, category="groceries", description="Bakery", day=TODAY)
    add_transaction(user, checking, amount=4400, category="dining", description="Pizza night", day=TODAY)
    add_transaction(user, checking, type="credit", amount=300000, category="income", description="Salary", day=TODAY)
    services.budget_create(user=user, name="Groceries", category="groceries", amount=10000, rollover=True,
                           start_date=LAST_MONTH)  # fmt: skip
    services.budget_create(user=user, name="Eating out", category="dining", amount=5000, period_start_day=15,
                           start_date=LAST_MONTH)  # fmt: skip
    sign_in_as = "budget@example.com"
    return {"user": user, "checking": checking, "email": sign_in_as}


@pytest.fixture
def signed_in(page, budgeter):
    sign_in(page, budgeter["email"], PASSWORD)
    page.wait_for_url("**/dashboard/")
    return budgeter


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING, width) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_budget_page_shows_the_carry_the_past_periods_and_the_totals(page, signed_in, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/dashboard/budgets/")

    groceries = page.locator(".budget-grid article", has_text="Groceries")
    assert "+$75.00 carried over" in groceries.inner_text()
    assert "$10.00 of $175.00" in groceries.inner_text() and "$165.00 left" in groceries.inner_text()
    assert groceries.locator("svg.budget-history-chart .period-bar").count() == 2
    groceries.get_by_text("Past periods").click()
    table = groceries.locator("table.budget-periods")
    assert table.is_visible() and "$25.00" in table.inner_text()
    totals = page.locator(".budget-totals")
    assert totals.is_visible() and "$171.00" in totals.inner_text()  # 175.00 + 50.00 - 10.00 - 44.00 left
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_totals_follow_the_filter(page, signed_in, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/dashboard/transactions/")

    summary = page.locator("#history-summary")
    assert "6 transactions" in summary.inner_text()  # 4 and the two verification deposits
    assert "$3,000.00" in summary.inner_text() and "$79.00" in summary.inner_text()
    fits(page, width)

    if width < 700:
        page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Category").select_option(label="Groceries")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/dashboard/transactions/?*category=groceries*")

    summary = page.locator("#history-summary")
    assert "2 transactions match these filters" in summary.inner_text()
    assert "$35.00" in summary.inner_text() and "$3,000.00" not in summary.inner_text()
    assert "−$35.00" in summary.locator(".summary-net").inner_text()
    fits(page, width)


def test_download_csv_exports_the_filtered_rows(page, signed_in):
    page.goto("/dashboard/transactions/?category=dining")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value

    assert download.suggested_filename.startswith("ledgerly-transactions-")
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0][0] == "Transaction date" and [r[2] for r in rows[1:]] == ["Pizza night"]
    assert rows[1][5] == "-44.00"
