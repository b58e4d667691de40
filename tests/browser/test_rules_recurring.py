"""Rules, recurring payments and alerts in a real browser: the "always categorise" prompt makes a rule that
applies, a suggestion is confirmed, alert settings change; every new page fits 390 px and 1280 px."""

import datetime

import pytest

from banking import services
from banking.models import AlertSettings, RecurringSeries, Transaction
from tests.banking.conftest import add_transaction, make_account
from tests.browser.conftest import sign_in
from tests.browser.test_responsive import WIDTHS, check_page, rich_user, signed_in  # noqa: F401 (fixtures)
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = datetime.date.today()


@pytest.fixture
def rosa(db):
    user = make_user("rosa@example.com", name="Rosa Rules")
    account = make_account(user, nickname="Everyday")
    return {"user": user, "account": account}


@pytest.fixture
def rosa_page(page, rosa):
    sign_in(page, "rosa@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    return page


def test_create_a_rule_from_the_always_categorise_prompt_and_see_it_applied(rosa_page, rosa):
    page, user, account = rosa_page, rosa["user"], rosa["account"]
    first = add_transaction(user, account, description="POS 4411 SQ *BLUE BOTTLE COF", amount=650)
    add_transaction(user, account, description="POS 5120 SQ *BLUE BOTTLE COF", amount=720)

    page.goto(f"/dashboard/transactions/{first.pk}/edit")
    page.get_by_label("Category").select_option(label="Dining")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/dashboard/transactions/")
    assert page.get_by_role("heading", name="Always put BLUE BOTTLE COF in Dining?").is_visible()
    page.get_by_role("button", name="Create the rule").click()
    page.wait_for_url("**/dashboard/transactions/")

    assert page.get_by_text("1 other transaction moved there too").is_visible()
    rows = page.locator("table.transactions tbody tr", has_text="BLUE BOTTLE")
    assert rows.count() == 2 and all("Dining" in rows.nth(i).inner_text() for i in range(2))
    # And a new one is filed by the rule.
    add_transaction(user, account, description="POS 7777 SQ *BLUE BOTTLE COF", amount=500)
    assert Transaction.objects.filter(user=user, category="dining").count() == 3
    page.goto("/dashboard/rules/")
    assert page.get_by_text("BLUE BOTTLE COF → Dining").is_visible()


def test_the_rule_form_previews_what_it_matches_while_typing(rosa_page, rosa):
    page = rosa_page
    add_transaction(rosa["user"], rosa["account"], description="Corner coffee")
    add_transaction(rosa["user"], rosa["account"], description="Rent")

    page.goto("/dashboard/rules/new")
    page.get_by_label("Name").fill("Coffee")
    page.locator("#id_value_0").fill("coffee")

    preview = page.locator("#rule-preview")
    preview.get_by_text("Corner coffee").wait_for()
    assert "1 of your 2 transactions" in preview.inner_text()


def test_confirm_a_recurring_suggestion(rosa_page, rosa):
    page = rosa_page
    RecurringSeries.objects.create(user=rosa["user"], bank_account=rosa["account"], key="netflix",
                                   merchant_name="Netflix", amount=1549, currency="USD", cadence="monthly",
                                   occurrences=6, last_date=TODAY - datetime.timedelta(days=27),
                                   next_date=TODAY + datetime.timedelta(days=3))  # fmt: skip

    page.goto("/dashboard/recurring/")
    page.get_by_role("button", name="Confirm Netflix").click()
    page.wait_for_url("**/dashboard/recurring/")

    assert page.get_by_text("Netflix confirmed").is_visible()
    assert page.get_by_text("Due in 3 days").first.is_visible()
    page.goto("/dashboard/")
    assert page.locator("section", has_text="Upcoming").get_by_text("Netflix").is_visible()


def test_change_alert_settings(rosa_page, rosa):
    page = rosa_page

    page.goto("/dashboard/settings/")
    page.get_by_role("link", name="Alerts").click()
    page.get_by_label("Budget alerts at").fill("90, 100")
    page.get_by_label("Bills due within (days)").fill("5")
    page.get_by_label("Transactions over (USD)").fill("250.00")
    page.get_by_label("Everyday").fill("100")
    page.get_by_role("button", name="Save alerts").click()

    assert page.get_by_text("Alert settings saved").is_visible()
    prefs = AlertSettings.objects.get(user=rosa["user"])
    assert prefs.budget_thresholds == [90, 100] and prefs.bill_due_days == 5
    assert prefs.large_transaction_over == {"USD": 25000}
    assert prefs.low_balance == [{"bank_account_id": str(rosa["account"].pk), "below": 10000}]


@pytest.fixture
def with_rules(signed_in):  # noqa: F811 - the fixture imported above
    user, checking = signed_in["user"], signed_in["checking"]
    services.rule_create(user=user, name="A rather long rule name about Galeries Lafayette Haussmann purchases",
                         conditions=[{"field": "merchant_name", "op": "regex", "value": r"^galeries\s+lafayette.*$"},
                                     {"field": "amount", "op": "between", "value": [1000, 5000000]}],
                         actions={"category": "shopping", "description": "Galeries Lafayette"})  # fmt: skip
    for n, status in enumerate(["suggested", "confirmed", "dismissed"]):
        RecurringSeries.objects.create(user=user, bank_account=checking, key=f"s{n}",
                                       merchant_name=f"Very Long Streaming Service Name Number {n}", amount=123456,
                                       currency="USD", cadence="monthly", occurrences=5, last_date=TODAY,
                                       next_date=TODAY + datetime.timedelta(days=n + 1), status=status)  # fmt: skip
    return signed_in


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "path", ["/dashboard/rules/", "/dashboard/rules/new", "/dashboard/categories/", "/dashboard/recurring/",
             "/dashboard/settings/alerts", "/dashboard/"],
)  # fmt: skip
def test_the_new_pages_fit(page, with_rules, width, path):
    check_page(page, path, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_rule_being_edited_fits(page, with_rules, width):
    from banking.models import Rule

    rule = Rule.objects.filter(user=with_rules["user"], is_default=False).get()
    check_page(page, f"/dashboard/rules/{rule.pk}/", width)
