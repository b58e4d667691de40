"""Totals and export for any view of the history: the summary (page and API) counts what the filters keep and
adds up income, expenses and net per currency; the CSV download holds exactly the filtered rows and reads back
through the import as the same transactions."""

import csv
import datetime
import io
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from banking import selectors, services
from banking.csv_export import HEADER, neutralise
from banking.models import Transaction
from tests.banking.conftest import ACCOUNT_NUMBER, add_transaction, make_account
from tests.banking.import_helpers import commit, import_via_service, media  # noqa: F401
from tests.banking.test_api import assert_validation_error

D = datetime.date
HISTORY = "/dashboard/transactions/"
EXPORT = "/dashboard/transactions/export.csv"


@pytest.fixture
def ledger(owner, account, second_account):
    """A March 2025 by hand, in USD and JPY. `account` also holds its two verification deposits (neither)."""
    yen = make_account(owner, account_number="44443333222", currency="JPY", nickname="Tokyo")
    add_transaction(owner, account, type="credit", amount=250000, category="income", description="Salary",
                    day=D(2025, 3, 1))  # fmt: skip
    add_transaction(owner, account, amount=4250, category="groceries", description="Market", day=D(2025, 3, 2))
    add_transaction(owner, account, amount=1999, category="dining", description="Pizza", day=D(2025, 3, 3),
                    status="pending")  # fmt: skip
    add_transaction(owner, account, amount=1000, category="groceries", description="Declined", day=D(2025, 3, 4),
                    status="failed")  # fmt: skip
    add_transaction(owner, account, type="credit", amount=1250, category="groceries", description="Refund",
                    day=D(2025, 3, 5))  # fmt: skip
    add_transaction(owner, account, amount=30000, category="housing", description="Loan payment", day=D(2025, 3, 6))
    add_transaction(owner, account, amount=5000, category="transfer", description="Card bill", day=D(2025, 3, 7))
    services.transfer_create(user=owner, from_account=account, to_account=second_account, amount=20000,
                             transaction_date=D(2025, 3, 8), description="To savings")  # fmt: skip
    add_transaction(owner, yen, amount=1200, category="dining", description="Ramen", day=D(2025, 3, 9))
    add_transaction(owner, yen, type="credit", amount=500, category="other", description="Found", day=D(2025, 3, 10))
    return {"usd": account, "savings": second_account, "yen": yen}


MARCH = selectors.TransactionFilters(date_from=D(2025, 3, 1), date_to=D(2025, 3, 31))


def test_summary_counts_the_rows_and_adds_up_income_expenses_and_net_per_currency(owner, ledger):
    summary = selectors.transaction_summary(user=owner, filters=MARCH)

    # 11 rows (the transfer is two); income: salary + refund; expenses: market + pizza (pending) + loan payment.
    # Not counted: the failed one, the card bill (a transfer-kind category), the transfer's two legs.
    assert summary.count == 11
    assert [(t.currency, t.income, t.expenses, t.net) for t in summary.totals] == [
        ("JPY", 500, 1200, -700),
        ("USD", 251250, 36249, 215001),
    ]


def test_verification_deposits_are_counted_but_neither_income_nor_expenses(owner, ledger):
    deposits = Transaction.objects.filter(user=owner, category="verification")
    assert deposits.count() == 6  # two on each of the three US accounts

    summary = selectors.transaction_summary(user=owner, filters=selectors.TransactionFilters(category="verification"))

    assert summary.count == 6
    assert [(t.currency, t.income, t.expenses) for t in summary.totals] == [("JPY", 0, 0), ("USD", 0, 0)]


def test_summary_follows_the_filters_in_one_query(owner, ledger, django_assert_num_queries):
    filters = selectors.TransactionFilters(account=ledger["usd"].pk, type="debit", q="a", date_from=D(2025, 3, 1))

    with django_assert_num_queries(1):
        summary = selectors.transaction_summary(user=owner, filters=filters)

    # Market, Pizza, Loan payment and Card bill hold an "a"; the card bill is neither income nor expense.
    assert summary.count == 4
    assert [(t.currency, t.income, t.expenses) for t in summary.totals] == [("USD", 0, 36249)]


def test_summary_of_nothing_is_zero(owner):
    assert selectors.transaction_summary(user=owner) == selectors.TransactionSummary(count=0, totals=[])


# --- API --------------------------------------------------------------------------------------------


def test_api_summary_answers_the_contract(api, ledger):
    response = api.get("/api/transactions/summary?date_from=2025-03-01&date_to=2025-03-31")

    assert response.status_code == 200
    assert response.json() == {
        "count": 11,
        "totals": [
            {"currency": "JPY", "income": 500, "expenses": 1200, "net": -700},
            {"currency": "USD", "income": 251250, "expenses": 36249, "net": 215001},
        ],
    }


def test_api_summary_takes_the_list_filters(api, ledger):
    by_account = api.get(f"/api/transactions/summary?account={ledger['yen'].pk}").json()
    by_category = api.get("/api/transactions/summary?category=groceries&date_from=2025-03-01").json()

    # The account's two verification deposits are rows, but neither income nor expenses.
    assert by_account == {"count": 4, "totals": [{"currency": "JPY", "income": 500, "expenses": 1200, "net": -700}]}
    assert by_category["count"] == 3 and by_category["totals"][0]["net"] == 1250 - 4250


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2025-03-10&date_to=2025-03-01", "date_to"),
        ("date_from=2025-02-30", "date_from"),
        ("category=nope", "category"),
        ("type=refund", "type"),
    ],
)
def test_api_summary_bad_filters_are_400_naming_them(api, ledger, query, field):
    assert_validation_error(api.get(f"/api/transactions/summary?{query}"), field)


def test_api_summary_of_another_users_account_is_404(outsider_api, ledger):
    response = outsider_api.get(f"/api/transactions/summary?account={ledger['usd'].pk}")

    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_api_summary_needs_a_user(client):
    assert client.get("/api/transactions/summary").status_code == 401


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_shows_the_count_and_totals_of_the_filter(owner_client, ledger):
    everything = owner_client.get(HISTORY).content.decode()
    march_usd = owner_client.get(f"{HISTORY}?account={ledger['usd'].pk}&date_from=2025-03-01").content.decode()

    assert "<strong>17</strong> transactions" in everything  # 11 of March, 3 x 2 verification deposits
    assert 'data-currency="JPY"' in everything and 'data-currency="USD"' in everything
    assert "<strong>10</strong> transactions match these filters" in march_usd  # 8 of March, 2 deposits
    assert "$2,512.50" in march_usd and "$362.49" in march_usd and "+$2,150.01" in march_usd
    assert 'data-currency="JPY"' not in march_usd


def test_the_download_link_carries_the_filters(owner_client, ledger):
    html = owner_client.get(f"{HISTORY}?type=debit&q=pizza&cursor=").content.decode()

    assert f'href="{EXPORT}?type=debit&amp;q=pizza"' in html


def test_bad_filters_show_no_totals(owner_client, ledger):
    response = owner_client.get(f"{HISTORY}?date_from=2025-03-10&date_to=2025-03-01")

    assert response.status_code == 400 and 'id="history-summary"' not in response.content.decode()


# --- CSV --------------------------------------------------------------------------------------------


def download(client, query="") -> tuple[object, list[list[str]]]:
    response = client.get(f"{EXPORT}?{query}" if query else EXPORT)
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    return response, list(csv.reader(io.StringIO(text)))


def test_export_is_a_streamed_utf8_csv_with_a_header(owner_client, ledger):
    response, rows = download(owner_client, "date_from=2025-03-01&date_to=2025-03-31")

    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ledgerly-transactions-')
    assert response["Cache-Control"] == "no-store"
    assert rows[0] == list(HEADER)
    assert len(rows) - 1 == 11
    assert rows[1][:7] == ["2025-03-10", "", "Found", "", "other", "500", "JPY"]  # newest first, like the page


def test_export_holds_exactly_the_filtered_rows(owner, owner_client, ledger):
    _, rows = download(owner_client, f"account={ledger['usd'].pk}&type=debit&date_from=2025-03-01")

    expected = selectors.transaction_queryset(
        user=owner,
        filters=selectors.TransactionFilters(account=ledger["usd"].pk, type="debit", date_from=D(2025, 3, 1)),
    )
    assert [r[2] for r in rows[1:]] == [t.description for t in expected.order_by("-transaction_date", "-created_at")]
    assert {r[7] for r in rows[1:]} == {"debit"}


def test_amounts_are_decimals_in_each_currencys_minor_unit(owner, owner_client):
    kwd = make_account(owner, account_number="12121212121", currency="KWD", nickname="Kuwait")
    yen = make_account(owner, account_number="34343434343", currency="JPY", nickname="Tokyo")
    add_transaction(owner, kwd, amount=3125, description="Fuel", day=D(2025, 3, 2))
    add_transaction(owner, yen, amount=1200, description="Ramen", day=D(2025, 3, 3))
    add_transaction(owner, yen, type="credit", amount=70, description="Change", day=D(2025, 3, 4))

    _, rows = download(owner_client, "date_from=2025-03-01&date_to=2025-12-31")

    assert [(r[2], r[5], r[6]) for r in rows[1:]] == [
        ("Change", "70", "JPY"),
        ("Ramen", "-1200", "JPY"),
        ("Fuel", "-3.125", "KWD"),
    ]


def test_formula_cells_are_neutralised_and_numbers_left_alone(owner, owner_client, account):
    add_transaction(owner, account, amount=1250, description='=HYPERLINK("http://x","y")', merchant_name="+Shop",
                    day=D(2025, 3, 2))  # fmt: skip
    add_transaction(owner, account, amount=100, description="@SUM(A1)", merchant_name="-minus", day=D(2025, 3, 3))
    add_transaction(owner, account, amount=100, description="Plain", merchant_name="\tTabbed", day=D(2025, 3, 4))

    _, rows = download(owner_client, "date_from=2025-03-01&date_to=2025-12-31")

    cells = {(r[2], r[3], r[5]) for r in rows[1:]}
    assert cells == {
        ('\'=HYPERLINK("http://x","y")', "'+Shop", "-12.50"),
        ("'@SUM(A1)", "'-minus", "-1.00"),
        ("Plain", "'\tTabbed", "-1.00"),
    }
    assert neutralise("\r=1") == "'\r=1" and neutralise("Coffee") == "Coffee"


def test_export_never_holds_the_account_number(owner_client, ledger):
    _, rows = download(owner_client)

    text = "\n".join(",".join(r) for r in rows)
    assert ACCOUNT_NUMBER not in text and ACCOUNT_NUMBER[:8] not in text
    assert "Everyday Checking ····1012" in {r[9] for r in rows[1:]}


def test_export_is_audited_with_the_filters_on(owner, owner_client, ledger):
    download(owner_client, "type=debit&q=pizza")

    event = AuditEvent.objects.get(action="transactions.exported")
    assert event.user == owner and event.details == {"filters": ["q", "type"]}


def test_export_with_bad_filters_is_400_and_not_audited(owner_client, ledger):
    response = owner_client.get(f"{EXPORT}?date_from=2025-03-10&date_to=2025-03-01")

    assert response.status_code == 400 and "date_to" in response.content.decode()
    assert not AuditEvent.objects.filter(action="transactions.exported").exists()


def test_export_of_another_users_account_is_refused(outsider_client, ledger):
    response = outsider_client.get(f"{EXPORT}?account={ledger['usd'].pk}")

    assert response.status_code == 400


def test_an_outsider_downloads_only_their_own_rows(outsider_client, ledger):
    _, rows = download(outsider_client)

    assert rows == [list(HEADER)]


def test_export_needs_a_signed_in_user(client):
    response = client.get(EXPORT)

    assert response.status_code == 302 and response["Location"].startswith("/sign-in?next=")


def test_rows_are_read_in_keyset_batches(owner, account, django_assert_num_queries):
    for i in range(7):
        add_transaction(owner, account, amount=100 + i, description=f"Row {i}", day=D(2025, 3, 1 + i % 2))
    every = list(Transaction.objects.filter(user=owner).order_by("-transaction_date", "-created_at", "-id"))

    with django_assert_num_queries(4):  # 9 rows (with the 2 deposits) in batches of 3, and an empty last look
        rows = list(selectors.transaction_rows(user=owner, batch_size=3))

    assert [r.pk for r in rows] == [t.pk for t in every]


def test_the_download_costs_a_fixed_number_of_queries(owner, owner_client, account):
    for i in range(30):
        add_transaction(owner, account, amount=100 + i, description=f"Row {i}", day=D(2025, 3, 1))
    owner_client.get(HISTORY)  # the accounts and categories are cached with the page

    with CaptureQueriesContext(connection) as ctx:
        download(owner_client)

    # The user, the audit row (in its savepoint on some backends), one batch of rows.
    assert len(ctx.captured_queries) <= 5, [q["sql"][:80] for q in ctx.captured_queries]


def test_the_export_reads_back_through_the_import_as_the_same_transactions(owner, owner_client):
    wallet = services.bank_account_create(user=owner, account_type="cash", nickname="Wallet", currency="USD")
    checking = make_account(owner, nickname="Checking")
    rows = [
        (D(2025, 2, 28), 4250, "debit", "groceries", "Market"),
        (D(2025, 2, 28), 4250, "debit", "groceries", "Market"),  # two real identical purchases
        (D(2025, 3, 1), 250000, "credit", "income", "Salary"),
        (D(2025, 3, 2), 1999, "debit", "dining", '=cmd|" /C calc"!A0'),
        (D(2024, 2, 29), 1, "debit", "fees", "Leap-day fee"),
        (D(2025, 3, 5), 1250, "credit", "groceries", "-Refund"),
    ]
    for day, amount, kind, category, description in rows:
        add_transaction(owner, wallet, amount=amount, type=kind, category=category, description=description, day=day)
    services.transfer_create(user=owner, from_account=checking, to_account=wallet, amount=7000,
                             transaction_date=D(2025, 3, 6), description="Top up")  # fmt: skip

    response = owner_client.get(f"{EXPORT}?account={wallet.pk}")
    content = b"".join(response.streaming_content)
    fresh = services.bank_account_create(user=owner, account_type="cash", nickname="Fresh", currency="USD")
    mapping = {"date": "Transaction date", "amount": "Amount", "description": "Description",
               "merchant_name": "Merchant", "category": "Category"}  # fmt: skip
    imp = commit(owner, import_via_service(owner, fresh, "export.csv", content=content, mapping=mapping))

    def shape(account):
        return Counter(
            Transaction.objects.filter(bank_account=account).values_list(
                "transaction_date", "signed_amount", "category"
            )
        )

    assert imp.status == "completed" and imp.rows_new == 7 and imp.rows_invalid == 0
    assert shape(fresh) == shape(wallet)
    fresh.refresh_from_db()
    wallet.refresh_from_db()
    assert fresh.balance == wallet.balance


def test_the_page_links_to_the_export_route():
    assert reverse("banking:transaction_export") == EXPORT
