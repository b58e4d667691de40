"""Banking in a real browser: link an account, verify it with the two deposits, record money, see it everywhere."""

import datetime
import re
from decimal import Decimal

import pytest

from banking.models import BankAccount, Transaction
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def olive(db):
    return make_user("olive@example.com", name="Olive Owner")


def add_transaction(page, *, kind: str, amount: str, description: str, merchant: str, category: str) -> None:
    page.goto("/dashboard/transactions/")
    page.get_by_role("button", name="Add transaction").first.click()
    page.get_by_label("Type").select_option(label=kind)
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Merchant").fill(merchant)
    page.get_by_label("Category").select_option(label=category)
    page.get_by_role("button", name="Add transaction").click()
    page.wait_for_url("**/dashboard/transactions/")


def test_link_verify_record_and_budget(page, olive):
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    # Link an account.
    page.goto("/dashboard/accounts/")
    page.get_by_role("button", name="Add account").click()
    page.get_by_label("Bank").fill("Harbor National Bank")
    page.get_by_label("Nickname").fill("Everyday")
    page.get_by_label("Type").select_option("checking")
    page.get_by_label("Routing number").fill("021000021")
    page.get_by_label("Account number").fill("987654321012")
    page.get_by_role("button", name="Add account").click()
    page.wait_for_url(re.compile(r"/dashboard/accounts/[0-9a-f-]+/verify$"))
    verify_url = page.url

    # Read the two deposits from the account's transactions.
    page.get_by_role("link", name="this account's transactions").click()
    rows = page.locator("table.transactions tbody tr", has_text="ACCTVERIFY")
    assert rows.count() == 2
    amounts = [rows.nth(i).locator("td.num").inner_text() for i in range(2)]
    cents = [re.search(r"\$(\d+\.\d\d)", a).group(1) for a in amounts]

    # Verify with them.
    page.goto(verify_url)
    page.get_by_label("First deposit").fill(cents[1])
    page.get_by_label("Second deposit").fill(cents[0])
    page.get_by_role("button", name="Verify account").click()
    page.wait_for_url(re.compile(r"/dashboard/accounts/[0-9a-f-]+/$"))
    assert "is verified and active" in page.content()
    assert page.get_by_text("•••• 1012").is_visible()
    assert BankAccount.objects.get().status == "active"

    # Record money in and out.
    add_transaction(page, kind="Money out (debit)", amount="64.30", description="Weekly shop",
                    merchant="Trader Joe's", category="Groceries")  # fmt: skip
    add_transaction(page, kind="Money in (credit)", amount="2500", description="Salary",
                    merchant="Acme Corp", category="Income")  # fmt: skip
    assert Transaction.objects.count() == 4

    history = page.locator("table.transactions")
    assert "Weekly shop" in history.inner_text() and "−$64.30" in history.inner_text()
    assert "Salary" in history.inner_text() and "+$2,500.00" in history.inner_text()

    # Filters narrow the history.
    page.get_by_label("Category").select_option(label="Groceries")
    page.get_by_role("button", name="Filter").click()
    assert "Weekly shop" in history.inner_text() and "Salary" not in history.inner_text()

    # The overview shows them: balance, the spending chart, recent transactions.
    page.goto("/dashboard/")
    balance = Decimal("2500") - Decimal("64.30")  # the verification deposits are never money
    assert f"${balance:,.2f}" in page.locator(".stats").inner_text()
    chart = page.locator("svg.spending-chart")
    assert "Groceries" in chart.text_content() and "$64.30" in chart.text_content()
    assert "Weekly shop" in page.locator("#recent-title + ul").inner_text()

    # A budget and its progress.
    page.goto("/dashboard/budgets/")
    page.get_by_role("button", name="New budget").click()
    page.get_by_label("Name").fill("Food")
    page.get_by_label("Category").select_option(label="Groceries")
    page.get_by_label("Limit").fill("100")
    page.get_by_label("Starts").fill(datetime.date.today().replace(day=1).isoformat())
    page.get_by_role("button", name="Create budget").click()
    page.wait_for_url("**/dashboard/budgets/")
    progress = page.locator("progress")
    assert progress.get_attribute("value") == "6430" and progress.get_attribute("max") == "10000"
    assert "$64.30 of $100.00 (64%)" in page.locator(".budget-grid").inner_text()

    page.goto("/dashboard/")
    assert "$64.30 of $100.00" in page.locator("#budgets-title").locator("..").inner_text()


def test_over_budget_is_highlighted_and_a_transfer_moves_money(page, olive):
    from tests.banking.conftest import add_transaction as add
    from tests.banking.conftest import make_account

    checking = make_account(olive, nickname="Checking")
    savings = make_account(olive, nickname="Savings", account_number="5555000011", account_type="savings")
    add(olive, checking, amount=100000, type="credit", description="Pay", category="income")
    add(olive, checking, amount=15000, category="dining", description="Dinner")
    from banking.services import budget_create

    budget_create(user=olive, name="Eating out", category="dining", amount=10000,
                  start_date=datetime.date.today().replace(day=1))  # fmt: skip
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.goto("/dashboard/budgets/")
    assert page.locator("progress.over-budget").count() == 1
    assert "Over by $50.00" in page.locator(".budget-grid").inner_text()

    page.goto("/dashboard/transactions/transfer")
    page.get_by_label("From").select_option(str(checking.pk))
    page.get_by_label("To").select_option(str(savings.pk))
    page.get_by_label("Amount").fill("250")
    page.get_by_role("button", name="Record transfer").click()
    page.wait_for_url("**/dashboard/transactions/")
    assert page.locator("table.transactions tbody tr", has_text="Transfer to Savings").count() == 1
    assert page.locator("table.transactions tbody tr", has_text="Transfer from Checking").count() == 1
    savings.refresh_from_db()
    assert savings.balance >= 25000
