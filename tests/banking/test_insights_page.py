"""The insights page: a subscriber's numbers beside their charts, in a fixed number of queries; the upsell for
everyone else; the range picker's errors."""

import pytest
from django.utils import timezone

from tests.banking.conftest import add_transaction
from tests.banking.test_insights import make_history, months_back, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(owner):
    return make_history(owner)


def page(client, **params):
    return client.get("/dashboard/insights/", params)


def test_subscriber_sees_every_insight_with_its_table(owner, owner_client, history):
    subscribe(owner)

    response = page(owner_client, **{"from": str(months_back(3))})
    html = response.content.decode()

    assert response.status_code == 200
    for heading in ("Spending by category", "Cash flow", "Net worth", "Top merchants", "Largest transactions"):
        assert heading in html
    assert html.count('<svg class="chart insights-chart"') == 3 and html.count("<table") >= 5
    # Dining +38%, the months' totals, the cash flow's net, today's net worth, the top merchant.
    assert "+38%" in html and "$55.20" in html and "$155.20" in html
    assert "+$2,870.00" in html and "−$155.20" in html
    assert "$4,384.80" in html and "Safeway" in html and "$400.00" in html
    assert 'href="/dashboard/insights/" aria-current="page"' in html


def test_currency_switcher_shows_one_currency_at_a_time(owner, owner_client, history):
    subscribe(owner)

    html = page(owner_client, **{"from": str(months_back(3)), "currency": "EUR"}).content.decode()

    assert '<select name="currency"' in html and "Lidl" in html and "€15.00" in html
    assert "Safeway" not in html and "$" not in html.split('id="spending-heading"')[1]


def test_free_user_sees_what_it_would_show_and_how_to_subscribe(owner_client, history):
    html = page(owner_client).content.decode()

    assert "Unlock insights" in html and 'href="/pricing"' in html and "Sample" in html
    assert "Safeway" not in html and "$55.20" not in html


def test_outsiders_data_never_appears(owner, owner_client, outsider):
    subscribe(owner)
    make_history(outsider, prefix="1234")

    html = page(owner_client).content.decode()

    assert "Safeway" not in html and "Luigi" not in html
    assert html.count("No spending in USD") == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2025-03-01", "to": "2025-02-01"}, "The start date is after the end date"),
        ({"from": "2010-01-01", "to": "2025-01-01"}, "at most 10 years"),
        ({"from": "2025-02-30"}, "Enter a real date"),
        ({"currency": "XXX"}, "Select a valid choice"),
    ],
)
def test_bad_range_is_a_form_error(owner, owner_client, history, params, message):
    subscribe(owner)

    response = page(owner_client, **params)

    assert response.status_code == 400
    assert message in response.content.decode() and "Fix the dates above" in response.content.decode()


def test_a_fixed_number_of_queries_whatever_the_data_size(owner, owner_client, history, django_assert_num_queries):
    checking = history[0]
    subscribe(owner)
    page(owner_client)  # the session, the CSRF cookie
    with django_assert_num_queries(QUERIES):
        page(owner_client, **{"from": str(months_back(3))})
    for n in range(60):
        add_transaction(owner, checking, amount=100 + n, day=months_back(n % 4, 1), category="dining",
                        merchant_name=f"Shop {n}")  # fmt: skip

    with django_assert_num_queries(QUERIES):
        response = page(owner_client, **{"from": str(months_back(3))})

    assert "Shop 59" in response.content.decode()


def test_cached_until_the_data_changes(owner, owner_client, history, django_assert_max_num_queries):
    checking = history[0]
    subscribe(owner)
    page(owner_client)
    with django_assert_max_num_queries(QUERIES):
        page(owner_client)
    with django_assert_max_num_queries(CACHED_QUERIES):
        page(owner_client)

    add_transaction(
        owner, checking, amount=777700, day=timezone.localdate(), category="travel", merchant_name="Airline"
    )

    assert "$7,777.00" in page(owner_client).content.decode()


def test_the_plan_page_still_answers(owner, owner_client):
    subscribe(owner)

    assert owner_client.get("/dashboard/payment").status_code == 200


# The user (the session is in the cache) and the subscription, then: accounts, categories, the month sums,
# merchants, the largest transactions, the net worth's month sums. From the cache: the first two only.
QUERIES = 8
CACHED_QUERIES = 2


def test_the_way_back_to_the_last_12_months_shows_only_when_something_was_asked(owner, owner_client, history):
    subscribe(owner)
    back = 'class="small">Last 12 months</a>'

    assert back in page(owner_client, **{"from": "", "to": ""}).content.decode()
    assert back not in page(owner_client).content.decode()  # the same range, cached apart
