"""Insights: every number of a small hand-made history in two currencies (a transfer to a loan, a refund,
verification deposits, a failed and a pending payment), computed by hand; 402 for others; bad input 400s.

The history, in the four months up to this one (m3 oldest, m0 this month; every date on or before today):

    USD checking, opening 1,000.00 and USD car loan, opening -5,000.00, both as of the 1st of m4
        m3: Luigi's dining 30.00, Safeway groceries 100.00, Acme salary +3,000.00
        m2: Luigi's 40.00, Safeway 80.00, salary +3,000.00, a FAILED Luigi's 70.00 (never counts)
        m1: Luigi's 50.00, Safeway 120.00, salary +3,000.00, Amazon 90.00 and its refund +40.00,
            a transfer of 500.00 from checking to the loan (a loan payment: neither income nor spending)
        m0: Luigi's 55.20, Safeway 90.00, a PENDING Safeway 10.00 (spending, not yet in the balance)
        and the verification micro-deposits of both accounts (never money)
    EUR cash, opening 200.00 as of the 1st of m4
        m2: Café dining 25.00; m0: Lidl groceries 15.00
"""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from banking import services
from banking.models import DailyFlow, Transaction
from banking.selectors import insights
from banking.selectors.insights import InsightsPeriod, month_start
from banking.services.rules import rule_apply_existing
from billing.services import subscription_upsert_from_polar
from tests.banking.conftest import add_transaction, make_account
from tests.banking.import_helpers import commit, import_via_service, media  # noqa: F401 - media: a fixture
from tests.billing.conftest import polar_subscription
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def subscribe(user):
    return subscription_upsert_from_polar(data=polar_subscription(user)).object


def months_back(n: int, day: int = 1) -> datetime.date:
    return month_start(timezone.localdate(), -n).replace(day=day)


def make_history(user, *, prefix: str = "9876"):
    checking = make_account(user, account_number=f"{prefix}54321012", nickname="Checking")
    loan = make_account(user, account_number=f"{prefix}00001111", nickname="Car loan", account_type="loan")
    opened = months_back(4)
    checking = services.bank_account_update(
        user=user, bank_account=checking, changes={"opening_balance": 100000, "opening_balance_date": opened}
    )
    loan = services.bank_account_update(
        user=user, bank_account=loan, changes={"opening_balance": -500000, "opening_balance_date": opened}
    )
    with override_settings(FREE_MAX_BANK_ACCOUNTS=1000):
        euro = services.bank_account_create(
            user=user,
            account_type="cash",
            nickname="Euro cash",
            currency="EUR",
            opening_balance=20000,
            opening_balance_date=opened,
        )

    def spend(account, months, day, amount, category, merchant, **extra):
        add_transaction(user, account, amount=amount, day=months_back(months, day), category=category,
                        merchant_name=merchant, description=merchant, **extra)  # fmt: skip

    def salary(months):
        spend(checking, months, 5, 300000, "income", "Acme Corp", type="credit")

    spend(checking, 3, 5, 3000, "dining", "Luigi's")
    spend(checking, 3, 5, 10000, "groceries", "Safeway")
    salary(3)
    spend(checking, 2, 5, 4000, "dining", "Luigi's")
    spend(checking, 2, 5, 8000, "groceries", "Safeway")
    spend(checking, 2, 7, 7000, "dining", "Luigi's", status="failed")
    salary(2)
    spend(checking, 1, 5, 5000, "dining", "Luigi's")
    spend(checking, 1, 5, 12000, "groceries", "Safeway")
    spend(checking, 1, 8, 9000, "shopping", "Amazon")
    spend(checking, 1, 9, 4000, "shopping", "Amazon", type="credit")
    salary(1)
    services.transfer_create(
        user=user, from_account=checking, to_account=loan, amount=50000, transaction_date=months_back(1, 6)
    )
    spend(checking, 0, 1, 5520, "dining", "Luigi's")
    spend(checking, 0, 1, 9000, "groceries", "Safeway")
    spend(checking, 0, 1, 1000, "groceries", "Safeway", status="pending")
    spend(euro, 2, 5, 2500, "dining", "Café")
    spend(euro, 0, 1, 1500, "groceries", "Lidl")
    return checking, loan, euro


@pytest.fixture
def history(owner):
    return make_history(owner)


@pytest.fixture
def subscriber_api(owner, request):
    subscribe(owner)
    return api_as(owner, request.param)


def four_months() -> InsightsPeriod:
    return InsightsPeriod(months_back(3), timezone.localdate())


M = [f"{months_back(n):%Y-%m}" for n in (3, 2, 1, 0)]


# --- the numbers ------------------------------------------------------------------------------------------


def test_spending_by_month_nets_refunds_and_leaves_out_transfers_failures_and_deposits(owner, history):
    rows = insights.spending_rows(user=owner, period=four_months(), group_by="month", currency="USD")

    assert [(r.key, r.amount) for r in rows] == [(M[0], 13000), (M[1], 12000), (M[2], 22000), (M[3], 15520)]


def test_spending_by_category_and_by_merchant(owner, history):
    by_category = insights.spending_rows(user=owner, period=four_months(), group_by="category", currency="USD")
    by_merchant = insights.spending_rows(user=owner, period=four_months(), group_by="merchant", currency="USD")

    assert [(r.key, r.label, r.amount) for r in by_category] == [
        ("groceries", "Groceries", 40000),
        ("dining", "Dining", 17520),
        ("shopping", "Shopping", 5000),
    ]
    assert [(r.key, r.amount) for r in by_merchant] == [("Safeway", 40000), ("Luigi's", 17520), ("Amazon", 5000)]


def test_spending_in_another_currency_is_never_added_in(owner, history):
    rows = insights.spending_rows(user=owner, period=four_months(), group_by="category", currency="EUR")

    assert [(r.key, r.amount) for r in rows] == [("dining", 2500), ("groceries", 1500)]


def test_cashflow_per_month(owner, history):
    months = insights.cashflow(user=owner, period=four_months(), currency="USD")

    assert [(m.key, m.income, m.expenses, m.net) for m in months] == [
        (M[0], 300000, 13000, 287000),
        (M[1], 300000, 12000, 288000),
        (M[2], 300000, 22000, 278000),
        (M[3], 0, 15520, -15520),
    ]


def test_net_worth_per_currency_at_each_month_end(owner, history):
    checking, loan, euro = history
    period = InsightsPeriod(months_back(4), timezone.localdate())
    ends = [insights.month_end(months_back(n)) for n in (4, 3, 2, 1)] + [timezone.localdate()]

    series = insights.net_worth(user=owner, period=period)

    assert list(series) == ["USD", "EUR"]
    assert [(p.date, p.assets, p.debts, p.balance) for p in series["USD"]] == [
        (ends[0], 100000, -500000, -400000),
        (ends[1], 387000, -500000, -113000),
        (ends[2], 675000, -500000, 175000),
        (ends[3], 903000, -450000, 453000),
        (ends[4], 888480, -450000, 438480),
    ]
    assert [(p.date, p.balance) for p in series["EUR"]] == [
        (ends[0], 20000),
        (ends[1], 20000),
        (ends[2], 17500),
        (ends[3], 17500),
        (ends[4], 16000),
    ]
    # Today's point is what the balances say.
    checking.refresh_from_db(), loan.refresh_from_db(), euro.refresh_from_db()
    assert (checking.balance, loan.balance, euro.balance) == (888480, -450000, 16000)


def test_net_worth_leaves_out_an_account_before_its_opening_date(owner, history):
    period = InsightsPeriod(months_back(6), insights.month_end(months_back(5)))

    series = insights.net_worth(user=owner, period=period)

    assert [p.balance for p in series["USD"]] == [0, 0]


def test_page_change_against_the_three_months_before(owner, history):
    page = insights.insights_page(user=owner, period=four_months(), currency=None)

    assert page.currency == "USD" and page.currencies == ["USD", "EUR"]
    by_key = {c.key: c for c in page.categories}
    # Dining 55.20 against (30 + 40 + 50) / 3 = 40.00: +38%; groceries 100.00 against 100.00: 0%;
    # shopping nothing against (0 + 0 + 50) / 3: -100%.
    assert (by_key["dining"].change, by_key["groceries"].change, by_key["shopping"].change) == (38, 0, -100)
    assert by_key["dining"].amounts == [3000, 4000, 5000, 5520]
    assert page.month_totals == [13000, 12000, 22000, 15520]
    assert [(m.merchant, m.amount) for m in page.merchants] == [("Safeway", 40000), ("Luigi's", 17520),
                                                                ("Amazon", 5000)]  # fmt: skip
    assert [t.amount for t in page.largest] == [12000, 10000, 9000, 9000, 8000, 5520, 5000, 4000, 3000, 1000]
    assert page.largest[2].merchant_name == "Safeway"  # the later of two equal amounts first
    assert [p.balance for p in page.net_worth] == [-113000, 175000, 453000, 438480]


def test_change_without_earlier_spending_is_none():
    assert insights.change_percent(5520, [3000, 4000, 5000]) == 38
    assert insights.change_percent(100, [0, 0, 0]) is None


def test_a_change_of_kind_needs_no_rebuild(owner, history):
    services.category_update(user=owner, category=_category(owner, "shopping"), changes={"kind": "transfer"})

    rows = insights.spending_rows(user=owner, period=four_months(), group_by="category", currency="USD")

    assert [r.key for r in rows] == ["groceries", "dining"]


def _category(user, slug):
    from banking.selectors import get_category_for_user

    return get_category_for_user(user=user, slug=slug)


# --- the daily sums stay right --------------------------------------------------------------------------


def _flows(user):
    return sorted(
        DailyFlow.objects.filter(user=user)
        .exclude(debits=0, credits=0, settled=0)
        .values_list("bank_account_id", "day", "category", "merchant", "currency", "debits", "credits", "settled")
    )


def test_the_kept_sums_match_a_rebuild_after_edits_and_deletes(owner, history):
    checking, loan, euro = history
    txn = Transaction.objects.filter(user=owner, merchant_name="Luigi's").order_by("transaction_date").first()
    services.transaction_update(user=owner, txn=txn, changes={"amount": 3100, "merchant_name": "Luigi"})
    services.transaction_delete(user=owner, txn=Transaction.objects.filter(user=owner, type="transfer").first())
    pending = Transaction.objects.get(user=owner, status="pending")
    services.transaction_update(user=owner, txn=pending, changes={"status": "completed"})
    kept = _flows(owner)

    services.spending_rebuild(user=owner)

    assert _flows(owner) == kept


def test_a_rule_that_renames_merchants_over_the_history_moves_their_sums(owner, history):
    # The flows are kept per merchant: a bulk rename by "apply to existing" must move them, or later edits
    # and deletes would take amounts away from rows that are not there.
    checking, _, _ = history
    for day in (3, 17):  # no merchant given: the flows keep them under their description
        add_transaction(owner, checking, amount=450, day=months_back(1, day), description="POS 4411 BLUE BOTTLE")
    rule = services.rule_create(
        user=owner,
        name="Blue Bottle",
        conditions=[{"field": "description", "op": "contains", "value": "BLUE BOTTLE"}],
        actions={"merchant_name": "Blue Bottle"},
    )

    result = rule_apply_existing(user=owner, rule=rule, dry_run=False)

    assert result.changed == 2
    assert sum(DailyFlow.objects.filter(user=owner, merchant="Blue Bottle").values_list("debits", flat=True)) == 900
    assert not DailyFlow.objects.filter(user=owner, merchant="POS 4411 BLUE BOTTLE").exclude(debits=0).exists()
    kept = _flows(owner)
    services.spending_rebuild(user=owner)
    assert _flows(owner) == kept


def test_imports_move_the_sums_and_undo_takes_them_back(owner, history):
    checking, _, _ = history
    before = _flows(owner)
    content = f"date,amount,description\n{months_back(1, 3)},-12.34,Corner shop\n".encode()
    mapping = {"date": "date", "amount": "amount", "description": "description"}
    imp = commit(owner, import_via_service(owner, checking, "shop.csv", content, mapping=mapping))
    assert DailyFlow.objects.filter(user=owner, merchant="Corner shop").values_list("debits", flat=True).get() == 1234

    services.import_undo(user=owner, imp=imp)

    assert _flows(owner) == before


# --- the API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subscriber_api", ["session", "token"], indirect=True)
def test_api_answers_the_same_numbers(subscriber_api, history):
    spending = subscriber_api.get("/api/insights/spending", **{"from": str(months_back(3)), "group_by": "month"})
    cashflow = subscriber_api.get("/api/insights/cashflow", months=4, currency="usd")
    worth = subscriber_api.get("/api/insights/net-worth", months=2)

    assert spending.status_code == 200, spending.content
    assert spending.json() == {
        "currency": "USD",
        "from": str(months_back(3)),
        "to": str(timezone.localdate()),
        "rows": [
            {"key": M[i], "label": f"{months_back(3 - i):%b %Y}", "amount": a}
            for i, a in enumerate([13000, 12000, 22000, 15520])
        ],
        "total": 62520,
    }
    assert cashflow.json() == {
        "currency": "USD",
        "months": [
            {"month": M[0], "income": 300000, "expenses": 13000, "net": 287000},
            {"month": M[1], "income": 300000, "expenses": 12000, "net": 288000},
            {"month": M[2], "income": 300000, "expenses": 22000, "net": 278000},
            {"month": M[3], "income": 0, "expenses": 15520, "net": -15520},
        ],
    }
    assert worth.json() == {
        "series": [
            {
                "currency": "USD",
                "points": [
                    {"date": str(insights.month_end(months_back(1))), "balance": 453000},
                    {"date": str(timezone.localdate()), "balance": 438480},
                ],
            },
            {
                "currency": "EUR",
                "points": [
                    {"date": str(insights.month_end(months_back(1))), "balance": 17500},
                    {"date": str(timezone.localdate()), "balance": 16000},
                ],
            },
        ]
    }


@pytest.mark.parametrize("subscriber_api", ["session"], indirect=True)
def test_api_merchant_rows_and_total(subscriber_api, history):
    body = subscriber_api.get(
        "/api/insights/spending", **{"from": str(months_back(3)), "group_by": "merchant", "currency": "EUR"}
    ).json()

    assert [(r["key"], r["amount"]) for r in body["rows"]] == [("Café", 2500), ("Lidl", 1500)]
    assert body["total"] == 4000


@pytest.mark.parametrize("path", ["/api/insights/spending", "/api/insights/cashflow", "/api/insights/net-worth"])
def test_api_is_402_without_a_subscription(api, history, path):
    response = api.get(path, months=0)  # bad input too: the subscription is checked first

    assert response.status_code == 402
    assert response.json()["error"] == "subscription_required"


def test_api_is_401_signed_out(client):
    response = client.get("/api/insights/cashflow")

    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("subscriber_api", ["session"], indirect=True)
def test_another_users_data_never_appears(subscriber_api, outsider):
    make_history(outsider, prefix="1234")

    spending = subscriber_api.get("/api/insights/spending", group_by="merchant").json()
    cashflow = subscriber_api.get("/api/insights/cashflow").json()
    worth = subscriber_api.get("/api/insights/net-worth").json()

    assert spending["rows"] == [] and spending["total"] == 0
    assert all(m["income"] == m["expenses"] == 0 for m in cashflow["months"])
    assert worth == {"series": []}


@pytest.mark.parametrize("subscriber_api", ["session", "token"], indirect=True)
@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/insights/spending", {"from": "2025-03-01", "to": "2025-02-01"}, "from"),
        ("/api/insights/spending", {"from": "2010-01-01", "to": "2025-01-01"}, "to"),
        ("/api/insights/spending", {"from": "2025-02-30"}, "from"),
        ("/api/insights/spending", {"group_by": "weekday"}, "group_by"),
        ("/api/insights/spending", {"currency": "XXX"}, "currency"),
        ("/api/insights/cashflow", {"months": 0}, "months"),
        ("/api/insights/cashflow", {"months": 61}, "months"),
        ("/api/insights/cashflow", {"months": "twelve"}, "months"),
        ("/api/insights/cashflow", {"currency": "dollars"}, "currency"),
        ("/api/insights/net-worth", {"months": 100}, "months"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(subscriber_api, path, params, field):
    response = subscriber_api.get(path, **params)

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]


def test_a_closed_account_leaves_the_net_worth_from_the_day_it_closed(owner, history):
    _, _, euro = history
    services.bank_account_update(user=owner, bank_account=euro, changes={"status": "closed"})

    series = insights.net_worth(user=owner, period=four_months())

    assert [p.balance for p in series["EUR"]] == [20000, 17500, 17500, 0]


@pytest.mark.parametrize("subscriber_api", ["session"], indirect=True)
def test_api_reads_a_fixed_number_of_queries(owner, subscriber_api, history, django_assert_num_queries):
    checking = history[0]
    paths = ["/api/insights/spending?group_by=merchant", "/api/insights/cashflow", "/api/insights/net-worth"]
    counts = []
    for path in paths:
        with django_assert_num_queries(API_QUERIES[path]):
            subscriber_api.client.get(path)
    for n in range(40):
        add_transaction(owner, checking, amount=100 + n, day=months_back(n % 4, 2), category="dining",
                        merchant_name=f"Shop {n}")  # fmt: skip

    for path in paths:
        with django_assert_num_queries(API_QUERIES[path]):
            counts.append(subscriber_api.client.get(path).status_code)

    assert counts == [200, 200, 200]


# The user (the session is in the cache) and the subscription; then the accounts (the default currency), the
# categories and the sums; the net worth reads the accounts and its month sums.
API_QUERIES = {"/api/insights/spending?group_by=merchant": 5, "/api/insights/cashflow": 5,
               "/api/insights/net-worth": 4}  # fmt: skip
