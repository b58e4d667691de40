"""Budgets with payday months and rollover: the periods, what each carries into the next, the past periods and
the totals on the budget page, and the rules for `period_start_day` through the model, the API and the form."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from banking import selectors, services
from banking.models import AlertSent, Budget
from banking.services import alerts
from tests.banking.conftest import add_transaction, make_account
from tests.banking.test_api import assert_validation_error

D = datetime.date


def budget(user, **overrides):
    data = {"name": "Groceries", "category": "groceries", "amount": 10000, "start_date": D(2025, 1, 1)}
    data.update(overrides)
    return services.budget_create(user=user, **data)


def progress_of(user, b, today, history=0):
    (p,) = selectors.budget_progress(user=user, budgets=[b], today=today, history=history)
    return p


# --- periods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2025, 1, 10), (D(2024, 12, 25), D(2025, 1, 24))),  # across the year's end
        (D(2025, 1, 24), (D(2024, 12, 25), D(2025, 1, 24))),
        (D(2025, 1, 25), (D(2025, 1, 25), D(2025, 2, 24))),
        (D(2025, 2, 28), (D(2025, 2, 25), D(2025, 3, 24))),
    ],
)
def test_a_payday_month_runs_from_the_day_to_the_day_before_it_next_month(today, expected):
    b = Budget(period="monthly", period_start_day=25, start_date=D(2024, 1, 1), amount=1)

    assert selectors.budget_period(b, today) == expected


@pytest.mark.parametrize(
    ("period", "start_day", "expected"),
    [
        ("monthly", None, (D(2024, 2, 1), D(2024, 2, 29))),
        ("monthly", 28, (D(2024, 2, 28), D(2024, 3, 27))),
        ("monthly", 15, (D(2024, 2, 15), D(2024, 3, 14))),
        ("weekly", None, (D(2024, 2, 26), D(2024, 3, 3))),
        ("yearly", None, (D(2024, 1, 1), D(2024, 12, 31))),
    ],
)
def test_periods_hold_the_leap_day(period, start_day, expected):
    b = Budget(period=period, period_start_day=start_day, start_date=D(2020, 1, 1), amount=1)

    assert selectors.budget_period(b, D(2024, 2, 29)) == expected


def test_past_periods_stop_at_the_start_date_and_the_first_is_clipped():
    b = Budget(period="monthly", period_start_day=10, start_date=D(2025, 1, 20), amount=1)

    periods = selectors.budget_periods(b, D(2025, 4, 2), count=12)

    assert periods == [
        (D(2025, 1, 20), D(2025, 2, 9)),
        (D(2025, 2, 10), D(2025, 3, 9)),
        (D(2025, 3, 10), D(2025, 4, 9)),
    ]


# --- rollover ---------------------------------------------------------------------------------------


@pytest.fixture
def history(owner, account):
    """Groceries: 60.00 in January, 130.00 in February, nothing in March, 20.00 so far in April 2025; dining
    and a refund that do not count."""
    add_transaction(owner, account, amount=6000, category="groceries", day=D(2025, 1, 31))
    add_transaction(owner, account, amount=13000, category="groceries", day=D(2025, 2, 1))
    add_transaction(owner, account, amount=2000, category="groceries", day=D(2025, 4, 3))
    add_transaction(owner, account, amount=9999, category="dining", day=D(2025, 3, 3))
    add_transaction(owner, account, amount=5000, category="groceries", type="credit", day=D(2025, 3, 4))
    return account


def test_rollover_carries_what_each_month_left_into_the_next(owner, history):
    b = budget(owner, rollover=True)

    p = progress_of(owner, b, D(2025, 4, 10), history=12)

    # January leaves 40.00; February overspends by 30.00 (10.00 left); March, with no spending, adds 100.00.
    assert [(h.start, h.carried_over, h.spent, h.remaining) for h in p.history] == [
        (D(2025, 1, 1), 0, 6000, 4000),
        (D(2025, 2, 1), 4000, 13000, 1000),
        (D(2025, 3, 1), 1000, 0, 11000),
        (D(2025, 4, 1), 11000, 2000, 19000),
    ]
    assert (p.carried_over, p.spent, p.available, p.remaining, p.percent_used) == (11000, 2000, 21000, 19000, 9)


def test_the_carry_without_the_history_is_the_same_in_one_query(owner, history, django_assert_num_queries):
    b = budget(owner, rollover=True)

    with django_assert_num_queries(1):
        p = progress_of(owner, b, D(2025, 4, 10))

    assert (p.carried_over, p.remaining) == (11000, 19000)
    assert p.history == []


def test_without_rollover_nothing_is_carried(owner, history):
    b = budget(owner)

    p = progress_of(owner, b, D(2025, 4, 10), history=12)

    assert p.carried_over == 0 and p.remaining == 8000
    assert [h.carried_over for h in p.history] == [0, 0, 0, 0]
    assert p.history[1].is_over and not p.history[2].is_over


def test_payday_months_with_rollover_across_month_ends(owner, history):
    # Months from the 25th: Dec 25-Jan 24 (nothing), Jan 25-Feb 24 (190.00), Feb 25-Mar 24 (nothing),
    # Mar 25-Apr 24 (20.00 so far).
    b = budget(owner, rollover=True, period_start_day=25, start_date=D(2024, 12, 25))

    p = progress_of(owner, b, D(2025, 4, 10), history=12)

    assert [(h.start, h.end, h.spent) for h in p.history] == [
        (D(2024, 12, 25), D(2025, 1, 24), 0),
        (D(2025, 1, 25), D(2025, 2, 24), 19000),
        (D(2025, 2, 25), D(2025, 3, 24), 0),
        (D(2025, 3, 25), D(2025, 4, 24), 2000),
    ]
    assert [h.carried_over for h in p.history] == [0, 10000, 1000, 11000]
    assert (p.period_start, p.period_end, p.carried_over, p.remaining) == (D(2025, 3, 25), D(2025, 4, 24), 11000, 19000)


def test_overspending_more_than_a_limit_leaves_nothing_available(owner, account):
    add_transaction(owner, account, amount=25000, category="groceries", day=D(2025, 1, 5))
    b = budget(owner, rollover=True)

    p = progress_of(owner, b, D(2025, 2, 3))

    assert (p.carried_over, p.available, p.remaining, p.percent_used) == (-15000, -5000, -5000, 100)
    assert p.is_over and p.over_by == 5000 and p.progress_value == p.progress_max == 10000


def test_weekly_rollover_over_the_leap_day(owner, account):
    add_transaction(owner, account, amount=1500, category="groceries", day=D(2024, 2, 29))
    b = budget(owner, amount=1000, period="weekly", rollover=True, start_date=D(2024, 2, 19))

    p = progress_of(owner, b, D(2024, 3, 5), history=12)

    assert [(h.start, h.spent, h.carried_over) for h in p.history] == [
        (D(2024, 2, 19), 0, 0),
        (D(2024, 2, 26), 1500, 1000),
        (D(2024, 3, 4), 0, 500),
    ]


def test_a_budget_that_has_not_started_carries_nothing(owner, history):
    b = budget(owner, rollover=True, start_date=D(2025, 6, 1))

    p = progress_of(owner, b, D(2025, 4, 10), history=12)

    assert (p.period_start, p.carried_over, p.spent) == (D(2025, 6, 1), 0, 0)
    assert len(p.history) == 1


def test_an_ended_budget_shows_its_last_period_with_its_carry(owner, history):
    b = budget(owner, rollover=True, end_date=D(2025, 2, 20))

    p = progress_of(owner, b, D(2025, 4, 10))

    assert (p.period_start, p.period_end, p.carried_over, p.spent) == (D(2025, 2, 1), D(2025, 2, 20), 4000, 13000)


def test_many_budgets_with_rollover_and_history_are_one_query(owner, account, django_assert_num_queries):
    budgets = [
        budget(owner, name=f"B{i}", rollover=bool(i % 2), period=("weekly", "monthly", "yearly")[i % 3],
               start_date=D(2010, 1, 1))
        for i in range(12)
    ]  # fmt: skip

    with django_assert_num_queries(1):
        progress = selectors.budget_progress(user=owner, budgets=budgets, today=D(2025, 4, 10), history=12)

    assert [len(p.history) for p in progress] == [12] * 12


def test_totals_add_up_active_budgets_per_currency(owner, history):
    yen = make_account(owner, account_number="44443333222", currency="JPY", nickname="Tokyo")
    add_transaction(owner, yen, amount=800, category="dining", day=D(2025, 4, 2))
    budgets = [
        budget(owner, rollover=True),
        budget(owner, name="Dining", category="dining", amount=5000, start_date=D(2025, 4, 1)),
        budget(owner, name="Paused", category="shopping", amount=7000, is_active=False),
        budget(owner, name="Eating out", category="dining", currency="JPY", amount=3000, start_date=D(2025, 4, 1)),
        budget(owner, name="Ended", category="travel", amount=9000, end_date=D(2025, 3, 31)),
        budget(owner, name="Later", category="travel", amount=9000, start_date=D(2025, 5, 1)),
    ]
    progress = selectors.budget_progress(user=owner, budgets=budgets, today=D(2025, 4, 10))

    totals = selectors.budget_totals(progress, today=D(2025, 4, 10))

    assert [(t.currency, t.count, t.limit, t.carried_over, t.spent, t.remaining) for t in totals] == [
        ("USD", 2, 15000, 11000, 2000, 24000),
        ("JPY", 1, 3000, 0, 800, 2200),
    ]


def test_budget_alerts_count_once_per_payday_period(owner, account):
    today = datetime.date.today()
    start_day = 1 if today.day > 1 else 2  # today falls in a period that started on another day than today
    b = budget(owner, amount=1000, period_start_day=start_day, start_date=today - datetime.timedelta(days=60))
    add_transaction(owner, account, amount=900, category="groceries", day=today)

    alerts.alerts_check_daily(user=owner)
    alerts.alerts_check_daily(user=owner)

    period_start = selectors.budget_period(b)[0]
    assert period_start.day == start_day
    assert list(AlertSent.objects.filter(user=owner, kind="budget").values_list("key", flat=True)) == [
        f"budget:{b.pk}:{period_start}:80"
    ]


# --- rules for period_start_day ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"period_start_day": 0}, "from 1 to 28"),
        ({"period_start_day": 29}, "from 1 to 28"),
        ({"period_start_day": -3}, "from 1 to 28"),
        ({"period_start_day": "x"}, "from 1 to 28"),
        ({"period": "weekly", "period_start_day": 5}, "Only monthly budgets"),
        ({"period": "yearly", "period_start_day": 1}, "Only monthly budgets"),
        ({"rollover": "yes"}, "true or false"),
    ],
)
def test_bad_period_start_day_or_rollover_is_rejected(owner, overrides, message):
    with pytest.raises(ValidationError) as info:
        budget(owner, **overrides)

    field = next(iter(set(overrides) - {"period"}))
    assert [m for m in info.value.message_dict[field] if message in m], info.value.message_dict
    assert not Budget.objects.exists()


def test_changing_a_payday_budget_to_weekly_must_clear_the_day(owner):
    b = budget(owner, period_start_day=15)

    with pytest.raises(ValidationError) as info:
        services.budget_update(user=owner, budget=b, changes={"period": "weekly"})
    services.budget_update(user=owner, budget=b, changes={"period": "weekly", "period_start_day": None})

    assert "period_start_day" in info.value.message_dict
    b.refresh_from_db()
    assert (b.period, b.period_start_day) == ("weekly", None)


# --- API ----------------------------------------------------------------------------------------------


def test_api_creates_a_payday_budget_with_rollover(owner, api, account):
    response = api.post(
        "/api/budgets",
        {"name": "Food", "category": "groceries", "amount": 40000, "period_start_day": 25, "rollover": True,
         "start_date": "2025-01-25"},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    data = response.json()["budget"]
    assert (data["rollover"], data["period_start_day"]) == (True, 25)
    assert data["period_start"].endswith("-25") and data["spent"] == 0
    assert data["remaining"] == 40000 + data["carried_over"]
    assert data["carried_over"] > 0  # the months since January 2025 carried what they left (nothing spent)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period_start_day": 0}, "period_start_day"),
        ({"period_start_day": 29}, "period_start_day"),
        ({"period_start_day": "5"}, "period_start_day"),
        ({"period": "weekly", "period_start_day": 3}, "period_start_day"),
        ({"rollover": "yes"}, "rollover"),
    ],
)
def test_api_rejects_bad_period_start_day_naming_it(api, body, field):
    base = {"name": "Food", "category": "groceries", "amount": 40000}
    assert_validation_error(api.post("/api/budgets", {**base, **body}), field)
    assert not Budget.objects.exists()


def test_api_patch_sets_and_rejects_the_start_day(owner, api):
    b = budget(owner)

    ok = api.patch(f"/api/budgets/{b.pk}", {"period_start_day": 10, "rollover": True})
    bad = api.patch(f"/api/budgets/{b.pk}", {"period": "yearly"})

    assert ok.status_code == 200 and ok.json()["budget"]["period_start_day"] == 10
    assert_validation_error(bad, "period_start_day")


def test_outsider_cannot_read_or_change_a_budget(owner, outsider_api, outsider_client):
    b = budget(owner, rollover=True)

    assert outsider_api.get(f"/api/budgets/{b.pk}").status_code == 404
    assert outsider_api.patch(f"/api/budgets/{b.pk}", {"period_start_day": 3}).status_code == 404
    assert outsider_client.get(f"/dashboard/budgets/{b.pk}/edit").status_code == 404
    b.refresh_from_db()
    assert b.period_start_day is None


# --- pages --------------------------------------------------------------------------------------------


def form_body(**overrides):
    body = {"name": "Food", "category": "groceries", "amount": "100.00", "currency": "USD", "period": "monthly",
            "start_date": "2025-01-01", "period_start_day": "", "is_active": "on"}  # fmt: skip
    body.update(overrides)
    return body


def test_the_form_makes_a_payday_budget_with_rollover(owner, owner_client):
    response = owner_client.post("/dashboard/budgets/new", form_body(period_start_day="25", rollover="on"))

    assert response.status_code == 302
    b = Budget.objects.get(user=owner)
    assert (b.period_start_day, b.rollover) == (25, True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"period_start_day": "29"}, "from 1 to 28"),
        ({"period_start_day": "abc"}, "from 1 to 28"),
        ({"period": "weekly", "period_start_day": "3"}, "Only monthly budgets"),
    ],
)
def test_the_form_answers_400_on_a_bad_start_day(owner_client, overrides, message):
    response = owner_client.post("/dashboard/budgets/new", form_body(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Budget.objects.exists()


def test_the_edit_form_shows_the_start_day_and_rollover(owner, owner_client):
    b = budget(owner, period_start_day=12, rollover=True)

    html = owner_client.get(f"/dashboard/budgets/{b.pk}/edit").content.decode()

    assert 'name="period_start_day" value="12"' in html
    assert re.search(r'<input[^>]*name="rollover"[^>]*\bchecked\b', html)


def test_the_budget_page_shows_carry_past_periods_and_totals(owner, owner_client, account):
    today = datetime.date.today()
    start = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)  # the first of last month
    add_transaction(owner, account, amount=2500, category="groceries", day=start)
    budget(owner, name="Weekly shop", rollover=True, start_date=start)

    html = owner_client.get("/dashboard/budgets/").content.decode()

    assert "$75.00" in html and "carried over" in html  # 100.00 - 25.00 from last month
    assert 'class="chart budget-history-chart"' in html and "Past periods" in html
    assert 'class="card budget-totals"' in html and "$175.00" in html  # 100.00 + 75.00 left in USD
    assert " style=" not in html.split("<main", 1)[1]


def test_the_budget_page_has_a_fixed_number_of_queries(owner, owner_client, django_assert_max_num_queries):
    owner_client.get("/dashboard/budgets/")
    for i in range(8):
        budget(owner, name=f"B{i}", rollover=bool(i % 2), period=("weekly", "monthly", "yearly")[i % 3],
               start_date=D(2020, 1, 1))  # fmt: skip

    with django_assert_max_num_queries(6):
        response = owner_client.get("/dashboard/budgets/")

    assert response.status_code == 200


def test_a_hundred_budgets_with_history_stay_within_the_databases_column_limit(
    owner, account, django_assert_num_queries
):
    add_transaction(owner, account, amount=700, category="groceries", day=D(2025, 4, 2))
    budgets = Budget.objects.bulk_create(
        Budget(user=owner, name=f"B{i}", category="groceries", amount=1000, rollover=True, start_date=D(2020, 1, 1))
        for i in range(Budget.MAX_PER_USER)
    )

    # 100 budgets x (12 periods + what came before) = 1,300 windows: two queries of at most 700 sums each.
    with django_assert_num_queries(2):
        progress = selectors.budget_progress(user=owner, budgets=budgets, today=D(2025, 4, 10), history=12)

    assert {(p.spent, p.carried_over) for p in progress} == {(700, 63 * 1000)}
