"""The rules, categories, recurring and alert settings pages: they work, 404 another user's objects, run a
fixed number of queries, and the "always categorise" prompt follows a category change."""

import datetime

import pytest

from banking import services
from banking.models import AlertSettings, Category, RecurringSeries, Rule, Transaction
from tests.banking.conftest import add_transaction

TODAY = datetime.date.today()


def rule_form(**overrides):
    form = {"name": "Coffee", "match": "all", "field_0": "description", "op_0": "contains", "value_0": "coffee",
            "set_category": "dining", "priority": "100", "is_active": "on"}  # fmt: skip
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    "path", ["/dashboard/rules/", "/dashboard/rules/new", "/dashboard/categories/", "/dashboard/recurring/",
             "/dashboard/settings/alerts"],
)  # fmt: skip
def test_pages_answer(owner_client, account, path):
    assert owner_client.get(path).status_code == 200


def test_the_navigation_links_the_new_pages(owner_client):
    page = owner_client.get("/dashboard/").content.decode()

    for path in ("/dashboard/rules/", "/dashboard/categories/", "/dashboard/recurring/"):
        assert f'href="{path}"' in page


def test_create_a_rule_from_the_form(owner, owner_client, account):
    response = owner_client.post("/dashboard/rules/new", rule_form())

    rule = Rule.objects.get(user=owner, name="Coffee")
    assert response.status_code == 302
    assert rule.conditions == [{"field": "description", "op": "contains", "value": "coffee"}]
    assert rule.actions == {"category": "dining"}


def test_an_amount_condition_is_parsed_in_the_accounts_currency(owner, owner_client, account):
    owner_client.post(
        "/dashboard/rules/new", rule_form(field_0="amount", op_0="between", value_0="10", value2_0="20.50")
    )

    assert Rule.objects.get(user=owner, is_default=False).conditions == [
        {"field": "amount", "op": "between", "value": [1000, 2050]}
    ]


def test_a_bad_regex_on_the_form_is_400_with_the_message(owner, owner_client, account):
    response = owner_client.post("/dashboard/rules/new", rule_form(op_0="regex", value_0="(oops"))

    assert response.status_code == 400 and "does not compile" in response.content.decode()
    assert not Rule.objects.filter(user=owner, name="Coffee").exists()


def test_the_preview_counts_matches_and_shows_a_sample(owner, owner_client, account):
    add_transaction(owner, account, description="Coffee on the way")
    add_transaction(owner, account, description="Rent")

    fragment = owner_client.post("/dashboard/rules/preview", rule_form()).content.decode()

    assert "<strong>1</strong> of your 2 transactions" in fragment and "Coffee on the way" in fragment


def test_apply_from_the_page(owner, owner_client, account):
    txn = add_transaction(owner, account, description="Coffee")
    rule = services.rule_create(user=owner, name="Coffee", conditions=[{"field": "description", "op": "contains",
                                "value": "coffee"}], actions={"category": "dining"})  # fmt: skip

    response = owner_client.post(f"/dashboard/rules/{rule.pk}/apply", follow=True)

    assert "matched 1 transactions and changed 1" in response.content.decode()
    assert Transaction.objects.get(pk=txn.pk).category == "dining"


def test_changing_a_category_offers_the_rule_and_accepting_applies_it(owner, owner_client, account):
    first = add_transaction(owner, account, description="POS 4411 SQ *BLUE BOTTLE COF")
    second = add_transaction(owner, account, description="POS 7001 SQ *BLUE BOTTLE COF")
    form = {"type": "debit", "amount": "10.00", "transaction_date": TODAY.isoformat(), "description": first.description,
            "merchant_name": first.merchant_name, "category": "dining", "status": "completed"}  # fmt: skip

    listing = owner_client.post(f"/dashboard/transactions/{first.pk}/edit", form, follow=True).content.decode()
    owner_client.post("/dashboard/rules/learn", {"transaction_id": str(first.pk), "category": "dining"})

    assert "Always put BLUE BOTTLE COF in Dining?" in listing
    assert Transaction.objects.get(pk=second.pk).category == "dining"
    assert Rule.objects.get(user=owner, is_default=False).conditions[0]["value"] == "BLUE BOTTLE COF"


def test_the_prompt_shows_once(owner, owner_client, account):
    txn = add_transaction(owner, account, description="Coffee")
    form = {"type": "debit", "amount": "10.00", "transaction_date": TODAY.isoformat(), "description": "Coffee",
            "merchant_name": "", "category": "dining", "status": "completed"}  # fmt: skip
    owner_client.post(f"/dashboard/transactions/{txn.pk}/edit", form)

    first = owner_client.get("/dashboard/transactions/").content.decode()
    second = owner_client.get("/dashboard/transactions/").content.decode()

    assert "Always put Coffee in Dining?" in first and "Always put" not in second


def test_learning_from_another_users_transaction_is_404(owner_client, outsider, outsider_account):
    theirs = add_transaction(outsider, outsider_account, description="Theirs")

    response = owner_client.post("/dashboard/rules/learn", {"transaction_id": str(theirs.pk), "category": "dining"})

    assert response.status_code == 404


def test_categories_page_adds_and_refuses_a_duplicate(owner, owner_client):
    added = owner_client.post("/dashboard/categories/", {"name": "Pets", "kind": "expense", "color": "#aa3300"})
    duplicate = owner_client.post("/dashboard/categories/", {"name": "pets", "kind": "expense", "color": "#aa3300"})

    assert added.status_code == 302 and Category.objects.filter(user=owner, slug="pets").exists()
    assert duplicate.status_code == 400 and "already have a category" in duplicate.content.decode()


def test_removing_a_category_confirms_how_many_move(owner, owner_client, account):
    services.category_create(user=owner, name="Pets")
    add_transaction(owner, account, category="pets")
    add_transaction(owner, account, category="pets")

    confirm = owner_client.get("/dashboard/categories/pets/delete").content.decode()
    owner_client.post("/dashboard/categories/pets/delete")

    assert "2 transactions, 0 budgets and 0 rules move to “Other”" in confirm
    assert Transaction.objects.filter(user=owner, category="other").count() == 2


def test_confirm_a_suggestion_on_the_recurring_page(owner, owner_client, account):
    series = RecurringSeries.objects.create(user=owner, bank_account=account, key="netflix", merchant_name="Netflix",
                                            amount=1549, currency="USD", cadence="monthly", occurrences=6,
                                            last_date=TODAY, next_date=TODAY + datetime.timedelta(days=5))  # fmt: skip

    owner_client.post(f"/dashboard/recurring/{series.pk}/status", {"status": "confirmed"})

    assert RecurringSeries.objects.get(pk=series.pk).status == "confirmed"
    assert "Due in 5 days" in owner_client.get("/dashboard/recurring/").content.decode()


def test_alert_settings_page_saves(owner, owner_client, account):
    response = owner_client.post("/dashboard/settings/alerts", {
        "email": "on", "budget_thresholds": "75, 100", "bill_due_days": "5", "large_USD": "500.00",
        f"low_{account.pk}": "100",
    })  # fmt: skip

    prefs = AlertSettings.objects.get(user=owner)
    assert response.status_code == 302
    assert (prefs.budget_thresholds, prefs.bill_due_days, prefs.large_transaction_over) == (
        [75, 100],
        5,
        {"USD": 50000},
    )
    assert prefs.low_balance == [{"bank_account_id": str(account.pk), "below": 10000}]


def test_bad_alert_thresholds_on_the_page_are_400(owner, owner_client, account):
    response = owner_client.post("/dashboard/settings/alerts", {"email": "on", "budget_thresholds": "lots"})

    assert response.status_code == 400 and not AlertSettings.objects.filter(user=owner).exists()


@pytest.mark.parametrize("path", ["/dashboard/rules/{rule}/", "/dashboard/rules/{rule}/delete",
                                  "/dashboard/categories/theirs/", "/dashboard/categories/theirs/delete"])  # fmt: skip
def test_another_users_rule_and_category_pages_are_404(owner_client, outsider, path):
    rule = services.rule_create(user=outsider, name="Theirs", conditions=[{"field": "description", "op": "contains",
                                "value": "x"}], actions={"category": "dining"})  # fmt: skip
    services.category_create(user=outsider, name="Theirs")

    assert owner_client.get(path.format(rule=rule.pk)).status_code == 404


def test_another_users_series_is_404_on_the_page(owner_client, outsider, outsider_account):
    theirs = RecurringSeries.objects.create(user=outsider, bank_account=outsider_account, key="x", merchant_name="X",
                                            amount=100, currency="USD", cadence="monthly", last_date=TODAY,
                                            next_date=TODAY)  # fmt: skip

    assert owner_client.post(f"/dashboard/recurring/{theirs.pk}/status", {"status": "confirmed"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/dashboard/rules/", 6), ("/dashboard/categories/", 6), ("/dashboard/recurring/", 6),
     ("/dashboard/settings/alerts", 6)],
)  # fmt: skip
def test_list_pages_run_a_fixed_number_of_queries(owner, owner_client, account, path, limit,
                                                  django_assert_max_num_queries):  # fmt: skip
    for n in range(12):
        services.category_create(user=owner, name=f"Cat {n}")
        services.rule_create(user=owner, name=f"R{n}", conditions=[{"field": "description", "op": "contains",
                             "value": f"x{n}"}], actions={"category": "dining"})  # fmt: skip
        RecurringSeries.objects.create(user=owner, bank_account=account, key=f"k{n}", merchant_name=f"M{n}",
                                       amount=100, currency="USD", cadence="monthly", last_date=TODAY,
                                       next_date=TODAY, status=("suggested", "confirmed")[n % 2])  # fmt: skip
    owner_client.get(path)

    with django_assert_max_num_queries(limit):
        assert owner_client.get(path).status_code == 200
