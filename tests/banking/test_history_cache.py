"""The history page is cached as HTML under the user's data version and the query; every write that changes
what it shows moves the version on, so the next view is rebuilt. Query counts are pinned for a first view
and a repeat view, on the first page and a deep one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banking import services
from bench.cursors import transaction_cursor_at
from tests.banking.conftest import add_transaction

HISTORY = "/dashboard/transactions/"


def queries_for(client, path) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def history_of(html: str) -> str:
    """The cached part of the page: from the heading to the end of the pager (the chrome's CSRF token varies)."""
    return html[html.index('<div class="page-head">') : html.index("</main>")]


@pytest.fixture
def history(owner, account):
    for i in range(60):
        add_transaction(owner, account, amount=100 + i, description=f"Row {i:02d}")
    return account


@pytest.mark.parametrize("deep", [False, True], ids=["first page", "deep page"])
def test_query_counts_are_pinned_for_a_first_and_a_repeat_view(owner, owner_client, history, deep):
    path = f"{HISTORY}?cursor={transaction_cursor_at(user=owner, position=5)}" if deep else HISTORY
    owner_client.get("/dashboard/budgets/")  # the session's own first-request bookkeeping happens here

    first, first_html = queries_for(owner_client, path)
    repeat, repeat_html = queries_for(owner_client, path)

    # First view: the user, the accounts, the categories, the page, the filter's totals (one aggregate).
    # Repeat view: the user only.
    assert (first, repeat) == (5, 1)
    assert history_of(repeat_html) == history_of(first_html)


def test_the_filters_totals_are_computed_once_for_all_its_pages(owner, owner_client, history):
    owner_client.get("/dashboard/budgets/")
    _, first_html = queries_for(owner_client, HISTORY)

    deep, html = queries_for(owner_client, f"{HISTORY}?cursor={transaction_cursor_at(user=owner, position=5)}")

    # The user and the page: the accounts and categories, and the filter's totals, were read for the first page.
    assert deep == 2
    assert totals_of(html) == totals_of(first_html) and "<strong>62</strong> transactions" in totals_of(html)


def totals_of(html: str) -> str:
    return html[html.index('<section class="card history-summary"') : html.index("Download CSV")]


def test_a_new_transaction_shows_on_the_next_view(owner, owner_client, history):
    assert "Corner bakery" not in owner_client.get(HISTORY).content.decode()

    add_transaction(owner, history, amount=4321, description="Corner bakery")

    assert "Corner bakery" in owner_client.get(HISTORY).content.decode()


def test_an_edit_and_a_removal_show_on_the_next_view(owner, owner_client, history):
    txn = add_transaction(owner, history, description="Corner bakery")
    assert "Corner bakery" in owner_client.get(HISTORY).content.decode()

    services.transaction_update(user=owner, txn=txn, changes={"description": "Bakery on Main"})
    assert "Bakery on Main" in owner_client.get(HISTORY).content.decode()

    services.transaction_delete(user=owner, txn=txn)
    assert "Bakery on Main" not in owner_client.get(HISTORY).content.decode()


def test_renaming_an_account_or_a_category_shows_on_the_next_view(owner, owner_client, history):
    add_transaction(owner, history, description="Groceries run", category="groceries")
    owner_client.get(HISTORY)

    services.bank_account_update(user=owner, bank_account=history, changes={"nickname": "Household"})
    category = services.category_create(user=owner, name="Weekly shop")
    txn = add_transaction(owner, history, description="Market", category=category.slug)
    html = owner_client.get(HISTORY).content.decode()
    assert "Household" in html and "Weekly shop" in html

    services.category_update(user=owner, category=category, changes={"name": "Big shop"})
    html = owner_client.get(HISTORY).content.decode()
    assert "Big shop" in html and "Weekly shop" not in html
    assert txn.description in html


def test_each_filter_and_page_is_its_own_entry(owner, owner_client, history):
    add_transaction(owner, history, type="credit", amount=90000, description="Salary")

    everything = owner_client.get(HISTORY).content.decode()
    credits = owner_client.get(f"{HISTORY}?type=credit").content.decode()

    assert "Salary" in everything and "Row 59" in everything
    assert "Salary" in credits and "Row 59" not in credits


def test_another_user_never_sees_the_owners_cached_page(owner_client, outsider_client, history):
    assert "Row 59" in owner_client.get(HISTORY).content.decode()

    theirs = outsider_client.get(HISTORY).content.decode()

    assert "Row 59" not in theirs and "Everyday Checking" not in theirs


def test_filters_that_do_not_hold_are_answered_afresh_each_time(owner_client, history):
    path = f"{HISTORY}?date_from=2026-05-10&date_to=2026-05-01"

    for _ in range(2):
        response = owner_client.get(path)
        assert response.status_code == 400
        assert "The end date is before the start date" in response.content.decode()


def test_an_expired_cursor_warns_on_every_view(owner_client, history):
    for _ in range(2):
        response = owner_client.get(f"{HISTORY}?cursor=not-a-cursor")
        assert response.status_code == 200
        assert "That page link has expired" in response.content.decode()


def test_the_rule_offer_shows_on_a_cached_page(owner, owner_client, history):
    txn = add_transaction(owner, history, description="Coffee")
    owner_client.get(HISTORY)
    form = {"type": "debit", "amount": "10.00", "transaction_date": txn.transaction_date.isoformat(),
            "description": "Coffee", "merchant_name": "", "category": "dining", "status": "completed"}  # fmt: skip

    owner_client.post(f"/dashboard/transactions/{txn.pk}/edit", form)
    first = owner_client.get(HISTORY).content.decode()
    second = owner_client.get(HISTORY).content.decode()

    assert "Always put Coffee in Dining?" in first and "Always put" not in second


def test_the_totals_are_cached_with_the_page_and_move_with_a_write(owner, owner_client, history):
    first = owner_client.get(HISTORY).content.decode()
    assert "<strong>62</strong> transactions" in first  # 60 rows and the two verification deposits

    add_transaction(owner, history, type="credit", amount=90000, description="Salary")

    again = owner_client.get(HISTORY).content.decode()
    assert "<strong>63</strong> transactions" in again and 'summary-income positive">$900.00<' in again
