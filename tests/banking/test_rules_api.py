"""The categories, rules, recurring and alert-settings API: shapes, bad input (400 naming the field, 409
for a duplicate name or a default's removal, nothing stored), and another user's objects as 404."""

import datetime

import pytest

from banking import services
from banking.models import AlertSettings, Category, RecurringSeries, Rule
from tests.banking.conftest import add_transaction

TODAY = datetime.date.today()
RULE = {"name": "Coffee", "conditions": [{"field": "description", "op": "contains", "value": "coffee"}],
        "actions": {"category": "dining"}}  # fmt: skip


def series(user, account, **extra):
    values = {"key": "netflix", "merchant_name": "Netflix", "amount": 1549, "currency": "USD", "cadence": "monthly",
              "occurrences": 6, "last_date": TODAY, "next_date": TODAY + datetime.timedelta(days=30)}  # fmt: skip
    return RecurringSeries.objects.create(user=user, bank_account=account, **{**values, **extra})


# --- categories -------------------------------------------------------------------------------------------


def test_list_categories_has_the_defaults_without_the_system_one(api):
    body = api.get("/api/categories").json()

    slugs = {c["slug"] for c in body["categories"]}
    assert "groceries" in slugs and "verification" not in slugs
    assert set(body["categories"][0]) == {"slug", "name", "kind", "color", "is_default"}


def test_create_category(api):
    response = api.post("/api/categories", {"name": "Pets", "kind": "expense", "color": "#aa3300"})

    assert response.status_code == 201
    assert response.json()["category"] == {"slug": "pets", "name": "Pets", "kind": "expense", "color": "#aa3300",
                                           "is_default": False}  # fmt: skip


def test_duplicate_category_name_is_409(api, owner):
    response = api.post("/api/categories", {"name": "groceries"})

    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert Category.objects.filter(user=owner, name__iexact="groceries").count() == 1


def test_bad_kind_is_400_naming_it(api):
    response = api.post("/api/categories", {"name": "X", "kind": "maybe"})

    assert response.status_code == 400 and "kind" in response.json()["fields"]


def test_rename_a_default(api):
    response = api.patch("/api/categories/groceries", {"name": "Food"})

    assert response.status_code == 200 and response.json()["category"]["name"] == "Food"


def test_removing_a_default_is_409(api):
    assert api.delete("/api/categories/dining").status_code == 409


def test_removing_other_is_400_naming_the_field(api):
    response = api.delete("/api/categories/other")

    assert response.status_code == 400 and "slug" in response.json()["fields"]


def test_removing_ones_own_says_what_moved(api, owner, account):
    services.category_create(user=owner, name="Pets")
    add_transaction(owner, account, category="pets")

    response = api.delete("/api/categories/pets")

    assert response.status_code == 200 and response.json()["moved"]["transactions"] == 1


def test_another_users_category_is_404(api, outsider):
    services.category_create(user=outsider, name="Theirs")

    assert api.patch("/api/categories/theirs", {"name": "Mine"}).status_code == 404
    assert api.delete("/api/categories/theirs").status_code == 404


def test_the_system_category_is_404(api):
    assert api.patch("/api/categories/verification", {"name": "Mine"}).status_code == 404


def test_filter_by_another_users_category_is_400(api, outsider):
    services.category_create(user=outsider, name="Theirs")

    response = api.get("/api/transactions", category="theirs")

    assert response.status_code == 400 and "category" in response.json()["fields"]


def test_a_transaction_in_ones_own_category(api, owner, account):
    services.category_create(user=owner, name="Pets")

    response = api.post("/api/transactions", {"bank_account_id": str(account.pk), "amount": 900, "type": "debit",
                        "transaction_date": TODAY.isoformat(), "description": "Vet", "category": "pets"})  # fmt: skip

    assert response.status_code == 201 and response.json()["transaction"]["category"] == "pets"


def test_a_transaction_in_another_users_category_is_400(api, outsider, account):
    services.category_create(user=outsider, name="Theirs")

    response = api.post("/api/transactions", {"bank_account_id": str(account.pk), "amount": 900, "type": "debit",
                        "transaction_date": TODAY.isoformat(), "description": "Vet", "category": "theirs"})  # fmt: skip

    assert response.status_code == 400 and "category" in response.json()["fields"]


# --- rules ------------------------------------------------------------------------------------------------


def test_create_and_read_a_rule(api):
    created = api.post("/api/rules", RULE)
    rule_id = created.json()["rule"]["id"]

    assert created.status_code == 201
    body = api.get(f"/api/rules/{rule_id}").json()["rule"]
    assert body["conditions"] == RULE["conditions"] and body["actions"] == RULE["actions"]
    assert body["match"] == "all" and body["priority"] == 100 and body["is_active"] is True


def test_list_rules_in_the_order_they_run(api):
    api.post("/api/rules", {**RULE, "name": "Late", "priority": 500})
    api.post("/api/rules", {**RULE, "name": "Early", "priority": 0})

    names = [r["name"] for r in api.get("/api/rules").json()["rules"]]

    assert names[0] == "Early" and names[-1] == "Late"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conditions": []}, "conditions"),
        ({"actions": {}}, "actions"),
        ({"conditions": [{"field": "nope", "op": "equals", "value": "x"}]}, "conditions"),
        ({"conditions": [{"field": "description", "op": "nope", "value": "x"}]}, "conditions"),
        ({"conditions": [{"field": "description", "op": "regex", "value": "(["}]}, "conditions"),
        ({"conditions": [{"field": "description", "op": "regex", "value": "x" * 201}]}, "conditions"),
        ({"conditions": [{"field": "amount", "op": "between", "value": [9, 1]}]}, "conditions"),
        ({"actions": {"category": "theirs"}}, "actions"),
        ({"match": "some"}, "match"),
        ({"priority": -1}, "priority"),
    ],
)
def test_bad_rules_are_400_naming_the_field_and_store_nothing(api, owner, outsider, change, field):
    services.category_create(user=outsider, name="Theirs")
    before = Rule.objects.filter(user=owner).count()

    response = api.post("/api/rules", {**RULE, **change})

    assert response.status_code == 400 and field in response.json()["fields"]
    assert Rule.objects.filter(user=owner).count() == before


def test_patch_and_delete_a_rule(api, owner):
    rule_id = api.post("/api/rules", RULE).json()["rule"]["id"]

    patched = api.patch(f"/api/rules/{rule_id}", {"is_active": False, "priority": 7})
    bad = api.patch(f"/api/rules/{rule_id}", {"conditions": []})
    deleted = api.delete(f"/api/rules/{rule_id}")

    assert patched.json()["rule"]["is_active"] is False and patched.json()["rule"]["priority"] == 7
    assert bad.status_code == 400
    assert deleted.status_code == 204 and not Rule.objects.filter(pk=rule_id).exists()


def test_another_users_rule_is_404(api, outsider):
    theirs = services.rule_create(user=outsider, name="Theirs", **{k: RULE[k] for k in ("conditions", "actions")})

    assert api.get(f"/api/rules/{theirs.pk}").status_code == 404
    assert api.patch(f"/api/rules/{theirs.pk}", {"name": "Mine"}).status_code == 404
    assert api.delete(f"/api/rules/{theirs.pk}").status_code == 404
    assert api.post(f"/api/rules/{theirs.pk}/apply", {"dry_run": True}).status_code == 404


def test_apply_answers_matched_and_changed(api, owner, account):
    add_transaction(owner, account, description="Coffee one")
    add_transaction(owner, account, description="Coffee two", category="gifts")
    rule_id = api.post("/api/rules", RULE).json()["rule"]["id"]

    dry = api.post(f"/api/rules/{rule_id}/apply", {"dry_run": True}).json()
    real = api.post(f"/api/rules/{rule_id}/apply", {"dry_run": False}).json()

    assert (dry["matched"], dry["changed"], dry["dry_run"]) == (2, 1, True)
    assert (real["matched"], real["changed"], real["status"]) == (2, 1, "done")


def test_rules_run_on_transactions_made_through_the_api(api, account):
    api.post("/api/rules", RULE)

    response = api.post("/api/transactions", {"bank_account_id": str(account.pk), "amount": 450, "type": "debit",
                        "transaction_date": TODAY.isoformat(), "description": "Coffee"})  # fmt: skip

    assert response.json()["transaction"]["category"] == "dining"


def test_changing_a_category_suggests_the_rule(api, owner, account):
    txn = add_transaction(owner, account, description="POS 4411 SQ *BLUE BOTTLE COF")

    body = api.patch(f"/api/transactions/{txn.pk}", {"category": "dining"}).json()
    created = api.post("/api/rules", body["suggested_rule"])

    assert body["suggested_rule"]["conditions"] == [
        {"field": "merchant_name", "op": "equals", "value": "BLUE BOTTLE COF"}
    ]
    assert created.status_code == 201


def test_other_changes_suggest_nothing(api, owner, account):
    txn = add_transaction(owner, account, description="Coffee")

    assert api.patch(f"/api/transactions/{txn.pk}", {"description": "Tea"}).json()["suggested_rule"] is None


# --- recurring --------------------------------------------------------------------------------------------


def test_list_and_confirm_a_series(api, owner, account):
    found = series(owner, account)

    listed = api.get("/api/recurring").json()["recurring"]
    confirmed = api.patch(f"/api/recurring/{found.pk}", {"status": "confirmed"})

    assert listed[0]["merchant_name"] == "Netflix" and listed[0]["status"] == "suggested"
    assert set(listed[0]) >= {"id", "merchant_name", "description", "bank_account_id", "amount", "currency",
                              "cadence", "last_date", "next_date", "status"}  # fmt: skip
    assert confirmed.status_code == 200 and confirmed.json()["recurring"]["status"] == "confirmed"


def test_a_bad_status_is_400(api, owner, account):
    found = series(owner, account)

    response = api.patch(f"/api/recurring/{found.pk}", {"status": "maybe"})

    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_another_users_series_is_404(api, outsider, outsider_account):
    theirs = series(outsider, outsider_account)

    assert api.patch(f"/api/recurring/{theirs.pk}", {"status": "confirmed"}).status_code == 404
    assert api.get("/api/recurring").json()["recurring"] == []


# --- alert settings ---------------------------------------------------------------------------------------


def test_alert_settings_have_defaults(api):
    body = api.get("/api/alert-settings").json()["alert_settings"]

    assert body == {"budget_thresholds": [80, 100], "low_balance": [], "bill_due_days": 3,
                    "large_transaction_over": {}, "email": True}  # fmt: skip


def test_change_alert_settings(api, owner, account):
    change = {"budget_thresholds": [100, 50], "low_balance": [{"bank_account_id": str(account.pk), "below": 10000}],
              "bill_due_days": 5, "large_transaction_over": {"USD": 50000}, "email": False}  # fmt: skip

    body = api.patch("/api/alert-settings", change).json()["alert_settings"]

    assert body["budget_thresholds"] == [50, 100] and body["low_balance"][0]["below"] == 10000
    assert AlertSettings.objects.get(user=owner).email is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget_thresholds": [0]}, "budget_thresholds"),
        ({"budget_thresholds": ["80"]}, "budget_thresholds"),
        ({"bill_due_days": 99}, "bill_due_days"),
        ({"large_transaction_over": {"XXX": 5}}, "large_transaction_over"),
        ({"large_transaction_over": {"USD": -5}}, "large_transaction_over"),
        ({"low_balance": [{"bank_account_id": "00000000-0000-0000-0000-000000000000", "below": 5}]}, "low_balance"),
        ({"email": "yes"}, "email"),
    ],
)
def test_bad_alert_settings_are_400_and_store_nothing(api, owner, change, field):
    response = api.patch("/api/alert-settings", change)

    assert response.status_code == 400 and field in response.json()["fields"]
    assert not AlertSettings.objects.filter(user=owner).exists()


def test_another_users_account_in_low_balance_is_400(api, outsider_account):
    change = {"low_balance": [{"bank_account_id": str(outsider_account.pk), "below": 5}]}

    assert api.patch("/api/alert-settings", change).status_code == 400
