import pytest
from django.test import Client

from accounts.models import AuditEvent
from banking import services
from tests.banking.conftest import add_transaction, budget_admin_form


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_account_list_shows_masked_numbers_only(staff_client, account):
    content = staff_client.get("/admin/banking/bankaccount/").content.decode()

    assert "•••• 1012" in content and "987654321012" not in content


def test_account_search_and_filters_work(staff_client, account):
    assert b"Everyday Checking" in staff_client.get("/admin/banking/bankaccount/?q=owner@example.com").content
    assert b"Everyday Checking" in staff_client.get("/admin/banking/bankaccount/?status__exact=active").content
    assert b"Everyday Checking" not in staff_client.get("/admin/banking/bankaccount/?status__exact=suspended").content


def test_staff_cannot_add_accounts_by_hand(staff_client):
    assert staff_client.get("/admin/banking/bankaccount/add/").status_code == 403


def test_suspend_and_activate_actions_go_through_audited_services(staff, staff_client, account):
    suspend = staff_client.post(
        "/admin/banking/bankaccount/", {"action": "suspend_accounts", "_selected_action": [str(account.pk)]}
    )
    account.refresh_from_db()
    assert suspend.status_code == 302 and account.status == "suspended"

    staff_client.post(
        "/admin/banking/bankaccount/", {"action": "activate_accounts", "_selected_action": [str(account.pk)]}
    )
    account.refresh_from_db()
    assert account.status == "active"
    assert list(
        AuditEvent.objects.filter(user=staff, action__startswith="bank_account.").values_list("action", flat=True)
    ) == ["bank_account.activated", "bank_account.suspended"]


def test_transactions_are_listed_filtered_searched_and_read_only(staff_client, owner, account):
    add_transaction(owner, account, description="Blue Bottle", category="dining")

    listing = staff_client.get("/admin/banking/transaction/?category__exact=dining&q=bottle")

    assert listing.status_code == 200 and b"Blue Bottle" in listing.content
    assert staff_client.get("/admin/banking/transaction/add/").status_code == 403


def test_budgets_are_listed_and_searchable(staff_client, owner):
    services.budget_create(user=owner, name="Food", category="groceries", amount=1000)

    listing = staff_client.get("/admin/banking/budget/?q=food&period__exact=monthly")

    assert listing.status_code == 200 and b"Food" in listing.content


@pytest.fixture
def food_budget(owner):
    import datetime

    return services.budget_create(
        user=owner, name="Food", category="groceries", amount=40000, start_date=datetime.date.today()
    )


def test_admin_refuses_a_budget_for_income_with_the_models_message(staff_client, food_budget):
    response = staff_client.post(
        f"/admin/banking/budget/{food_budget.pk}/change/", budget_admin_form(food_budget, category="income")
    )

    food_budget.refresh_from_db()
    assert response.status_code == 200 and "Choose a spending category" in response.content.decode()
    assert food_budget.category == "groceries"


def test_admin_budget_edit_is_audited_against_the_staff_member(staff, staff_client, owner, food_budget):
    response = staff_client.post(
        f"/admin/banking/budget/{food_budget.pk}/change/", budget_admin_form(food_budget, amount="55000")
    )

    food_budget.refresh_from_db()
    event = AuditEvent.objects.get(action="budget.updated")
    assert response.status_code == 302 and food_budget.amount == 55000
    assert event.user == staff and event.details["owner_id"] == str(owner.pk) and event.details["fields"] == ["amount"]


def test_admin_budget_delete_is_audited(staff, staff_client, food_budget):
    staff_client.post(f"/admin/banking/budget/{food_budget.pk}/delete/", {"post": "yes"})

    assert not type(food_budget).objects.filter(pk=food_budget.pk).exists()
    assert AuditEvent.objects.filter(action="budget.deleted", user=staff).exists()
