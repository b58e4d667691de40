import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from banking import selectors, services
from banking.models import Budget
from tests.banking.conftest import add_transaction

D = datetime.date


def budget(user, **overrides):
    data = {"name": "Groceries", "category": "groceries", "amount": 50000, "start_date": D(2025, 1, 1)}
    data.update(overrides)
    return services.budget_create(user=user, **data)


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("monthly", D(2025, 3, 15), (D(2025, 3, 1), D(2025, 3, 31))),
        ("monthly", D(2024, 2, 10), (D(2025, 1, 1), D(2025, 1, 31))),  # before it starts: its first period
        ("weekly", D(2025, 3, 15), (D(2025, 3, 10), D(2025, 3, 16))),
        ("yearly", D(2025, 7, 4), (D(2025, 1, 1), D(2025, 12, 31))),
    ],
)
def test_period_is_the_calendar_period_holding_today(period, today, expected):
    b = Budget(period=period, start_date=D(2025, 1, 1), amount=1, category="groceries")

    assert selectors.budget_period(b, today) == expected


def test_period_is_clipped_to_start_and_end_dates():
    b = Budget(period="monthly", start_date=D(2025, 3, 10), end_date=D(2025, 3, 20), amount=1)

    assert selectors.budget_period(b, D(2025, 3, 15)) == (D(2025, 3, 10), D(2025, 3, 20))
    assert selectors.budget_period(b, D(2025, 6, 1)) == (D(2025, 3, 10), D(2025, 3, 20))


def test_progress_counts_debits_of_the_category_currency_and_period(owner, account):
    today = D.today()
    b = budget(owner, start_date=today.replace(day=1))
    add_transaction(owner, account, amount=10000, category="groceries")
    add_transaction(owner, account, amount=5000, category="groceries", status="pending")
    add_transaction(owner, account, amount=7000, category="groceries", status="failed")
    add_transaction(owner, account, amount=9000, category="dining")
    add_transaction(owner, account, amount=3000, category="groceries", type="credit")
    if today.day > 1:
        add_transaction(owner, account, amount=1, category="groceries", day=today.replace(day=1))
    else:
        add_transaction(owner, account, amount=1, category="groceries")
    add_transaction(owner, account, amount=8000, category="groceries", day=today - datetime.timedelta(days=40))

    (p,) = selectors.budget_progress(user=owner, budgets=[b])

    assert p.spent == 15001
    assert p.remaining == 50000 - 15001
    assert p.percent_used == 30
    assert not p.is_over


def test_over_budget_is_flagged(owner, account):
    b = budget(owner, amount=1000, start_date=D.today().replace(day=1))
    add_transaction(owner, account, amount=1500, category="groceries")

    (p,) = selectors.budget_progress(user=owner, budgets=[b])

    assert p.is_over and p.over_by == 500 and p.percent_used == 150 and p.progress_value == 1000


def test_progress_of_many_budgets_is_one_query(owner, account, django_assert_num_queries):
    budgets = [budget(owner, name=f"B{i}", period=("weekly", "monthly", "yearly")[i % 3]) for i in range(6)]

    with django_assert_num_queries(1):
        selectors.budget_progress(user=owner, budgets=budgets)


def test_create_is_audited(owner):
    b = budget(owner)

    assert AuditEvent.objects.filter(action="budget.created", details__budget_id=str(b.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": 0}, "amount", "greater than zero"),
        ({"amount": -100}, "amount", "greater than zero"),
        ({"amount": "100"}, "amount", "whole number"),
        ({"amount": 10**13}, "amount", "too large"),
        ({"currency": "ABC"}, "currency", "Unknown currency"),
        ({"period": "daily"}, "period", "weekly, monthly, yearly"),
        ({"category": "nope"}, "category", "Choose a spending category"),
        ({"category": "income"}, "category", "Choose a spending category"),
        ({"name": ""}, "name", "Enter a name"),
        ({"start_date": "2025-02-29"}, "start_date", "real date"),
        ({"end_date": D(2024, 12, 31)}, "end_date", "before the start date"),
        ({"is_active": "yes"}, "is_active", "true or false"),
    ],
)
def test_bad_input_is_rejected_per_field(owner, overrides, field, message):
    with pytest.raises(ValidationError) as info:
        budget(owner, **overrides)

    assert any(message in m for m in info.value.message_dict[field]), info.value.message_dict
    assert not Budget.objects.exists()


def test_update_changes_fields_and_rejects_end_before_start(owner):
    b = budget(owner)

    services.budget_update(user=owner, budget=b, changes={"amount": 60000, "period": "weekly"})
    with pytest.raises(ValidationError) as info:
        services.budget_update(user=owner, budget=b, changes={"end_date": "2024-01-01"})

    b.refresh_from_db()
    assert (b.amount, b.period, b.end_date) == (60000, "weekly", None)
    assert "end_date" in info.value.message_dict


def test_delete_removes_and_audits(owner):
    b = budget(owner)

    services.budget_delete(user=owner, budget=b)

    assert not Budget.objects.exists()
    assert AuditEvent.objects.filter(action="budget.deleted").exists()
