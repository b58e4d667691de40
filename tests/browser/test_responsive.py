"""Every table readable on a 390 px phone and nothing clipped at 1280 px: the amount column inside the
viewport, no element wider than the page, the transactions filter bar folded on a phone and never cutting
a value short."""

import datetime
import os

import pytest
from django.test import override_settings
from django.utils import timezone

from banking import services
from billing.models import Order
from tests.banking.conftest import add_transaction, make_account
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [390, 1280]
TODAY = datetime.date.today()

# Everything on the page that sticks out past the right edge (or starts left of 0), ignoring what is
# deliberately hidden off screen (the skip link, visually hidden text) and what is inside a closed <details>.
OVERFLOWING = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (el.closest(".visually-hidden, .skip-link")) continue;
    if (el.closest("details:not([open])") && !el.matches("summary") && !el.closest("summary")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.width <= 1) continue;
    if (box.right > width + 0.5 || box.left < -0.5) out.push(`${el.tagName}.${el.className}: ${box.left}-${box.right}`);
  }
  return out;
}"""

# Selects whose chosen option is wider than the box shows: each select gets its longest option chosen first.
TRUNCATED_SELECTS = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const out = [];
  for (const select of document.querySelectorAll(".filters select")) {
    const style = getComputedStyle(select);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const widest = Math.max(...[...select.options].map((o) => canvas.measureText(o.text).width));
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (widest > room + 0.5) out.push(`${select.name}: ${widest} > ${room}`);
  }
  return out;
}"""


@pytest.fixture
def rich_user(db):
    """Accounts of several schemes and currencies, long names and descriptions, a cross-currency transfer."""
    user = make_user("wide@example.com", name="Wanda Wide")
    with override_settings(FREE_MAX_BANK_ACCOUNTS=100):
        checking = make_account(
            user, nickname="Everyday Checking", bank_name="Harbor National Bank of the Pacific Northwest and Alaska"
        )
        euro = services.bank_account_create(
            user=user, account_type="savings", bank_name="Deutsche Kreditbank", nickname="Euro savings",
            iban="DE89370400440532013000", opening_balance=1_234_567_89,
        )  # fmt: skip
        services.bank_account_create(user=user, account_type="cash", nickname="Wallet", opening_balance=4_000)
        loan = services.bank_account_create(
            user=user, account_type="loan", bank_name="Summit Lending", account_number="LN0099887766",
            opening_balance=-25_000_000_00,
        )  # fmt: skip
    services.bank_account_close(user=user, bank_account=loan)
    add_transaction(user, checking, amount=1_250_000_00, type="credit", description="Salary", category="income")
    for i in range(12):
        add_transaction(
            user, checking, amount=12_345_67 + i, category="shopping", merchant_name="Galeries Lafayette Haussmann",
            description=f"A very long card payment description that goes on and on, number {i}",
            day=TODAY - datetime.timedelta(days=i),
        )  # fmt: skip
    services.transfer_create(user=user, from_account=checking, to_account=euro, amount=100_000, to_amount=92_050,
                             transaction_date=TODAY)  # fmt: skip
    services.budget_create(user=user, name="Shopping and everything else", category="shopping", amount=500_000,
                           start_date=TODAY.replace(day=1))  # fmt: skip
    Order.objects.create(
        id="ord_1", user=user, created_at=timezone.now(), status="paid", paid=True, total_amount=1900,
        currency="usd", customer_id="cus_1", product_name="Ledgerly Pro (monthly subscription)",
        invoice_number="INV-2026-000123", billing_reason="subscription_cycle",
    )  # fmt: skip
    return {"user": user, "checking": checking, "euro": euro}


@pytest.fixture
def signed_in(page, rich_user):
    sign_in(page, "wide@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    return rich_user


def check_page(page, path: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    if os.environ.get("SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(ARTIFACTS / f"{name[:60]}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} scrolls sideways at {width}px"
    assert page.evaluate(OVERFLOWING, width) == [], f"{path} at {width}px"


def assert_amounts_visible(page, width: int, minimum: int) -> None:
    cells = page.locator("td.cell-amount")
    assert cells.count() >= minimum
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
        assert cells.nth(i).inner_text().strip()


@pytest.mark.parametrize("width", WIDTHS)
def test_transactions_page_fits(page, signed_in, width):

    check_page(page, "/dashboard/transactions/", width)

    assert_amounts_visible(page, width, minimum=15)
    first = page.locator("table.transactions tbody tr").first
    for cell in ("td.cell-date", "td.cell-main", "td.cell-amount"):
        assert first.locator(cell).is_visible()
    assert page.get_by_text("1 USD = 0.9205 EUR").first.is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_accounts_page_fits(page, signed_in, width):

    check_page(page, "/dashboard/accounts/", width)

    assert_amounts_visible(page, width, minimum=4)
    assert page.get_by_text("Closed accounts").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["checking", "euro"])
def test_account_detail_page_fits(page, signed_in, width, which):

    check_page(page, f"/dashboard/accounts/{signed_in[which].pk}/", width)

    assert_amounts_visible(page, width, minimum=1)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/budgets/",
        "/dashboard/settings/sessions",
        "/dashboard/settings/billing",
        "/dashboard/accounts/new",
        "/dashboard/accounts/{checking}/edit",
        "/dashboard/transactions/transfer",
    ],
)
def test_other_pages_fit(page, signed_in, width, path):
    check_page(page, path.format(checking=signed_in["checking"].pk), width)


def test_filters_fold_on_a_phone_and_show_every_value(page, signed_in):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/dashboard/transactions/")

    assert not page.get_by_label("Category").is_visible()
    page.get_by_text("Filters", exact=True).click()
    assert page.get_by_label("Category").is_visible()
    assert page.evaluate(TRUNCATED_SELECTS) == []

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dashboard/transactions/")
    assert page.get_by_label("Category").is_visible()
    assert not page.get_by_text("Filters", exact=True).is_visible()
    assert page.evaluate(TRUNCATED_SELECTS) == []


def test_the_account_form_shows_only_the_chosen_schemes_fields(page, signed_in):
    page.set_viewport_size({"width": 390, "height": 900})
    with override_settings(FREE_MAX_BANK_ACCOUNTS=100):
        page.goto("/dashboard/accounts/new")

        assert (
            page.get_by_label("Routing number", exact=True).is_visible() and not page.locator("#id_iban").is_visible()
        )
        page.locator('input[name="scheme"][value="iban"]').check()
        assert (
            page.locator("#id_iban").is_visible() and not page.get_by_label("Routing number", exact=True).is_visible()
        )
        page.locator("#id_iban").fill("FR14 2004 1010 0505 0001 3M02 606")
        page.get_by_label("Bank", exact=True).fill("La Banque Postale")
        page.get_by_role("button", name="Add account").click()
        page.wait_for_url("**/dashboard/accounts/*/")

    assert page.get_by_text("•••• 2606").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("width", WIDTHS)
def test_insights_page_fits(page, signed_in, width):
    from tests.browser.test_billing import subscribe

    subscribe(signed_in["user"])

    check_page(page, "/dashboard/insights/", width)

    assert page.locator("svg.insights-chart").count() == 3
    assert page.evaluate(TRUNCATED_SELECTS) == []
