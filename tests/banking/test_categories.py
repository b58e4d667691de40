"""Categories per user: the default set for everyone, one's own added, renamed, recoloured and removed (its
transactions and budgets move to Other), and `kind` deciding what counts as spending."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import User
from banking import selectors, services
from banking.models import Budget, Category, DailySpending, DefaultCategory, Rule, Transaction
from tests.banking.conftest import add_transaction
from tests.conftest import make_user

TODAY = datetime.date.today()


def test_a_new_user_starts_with_the_default_set(owner):
    slugs = set(Category.objects.filter(user=owner).values_list("slug", flat=True))

    assert slugs == set(DefaultCategory.values)
    assert Category.objects.filter(user=owner, is_default=True).count() == len(DefaultCategory.values)


def test_the_defaults_say_what_counts_as_spending(owner):
    kinds = dict(Category.objects.filter(user=owner).values_list("slug", "kind"))

    assert kinds["groceries"] == "expense" and kinds["income"] == "income" and kinds["transfer"] == "transfer"


def test_users_made_by_a_migration_free_path_get_the_defaults_too(db):
    user = User.objects.create_user(email="plain@example.com", password="x" * 20)

    assert Category.objects.filter(user=user).count() == len(DefaultCategory.values)
    assert Rule.objects.filter(user=user, is_default=True).count() == 3


def test_the_list_hides_the_system_category(owner):
    assert "verification" not in {c.slug for c in selectors.user_categories(user=owner)}


def test_create_makes_a_slug_from_the_name(owner):
    category = services.category_create(user=owner, name="Coffee & Tea")

    assert category.slug == "coffee-tea" and category.kind == "expense" and not category.is_default


def test_a_second_category_of_the_same_slug_gets_a_number(owner):
    services.category_create(user=owner, name="Pets")
    second = services.category_create(user=owner, name="Pets!")

    assert second.slug == "pets-2"


def test_a_duplicate_name_in_another_case_is_refused(owner):
    services.category_create(user=owner, name="Pets")

    with pytest.raises(services.DuplicateCategory):
        services.category_create(user=owner, name="PETS")
    assert Category.objects.filter(user=owner, name__iexact="pets").count() == 1


def test_renaming_a_default_keeps_its_slug(owner):
    groceries = selectors.get_category_for_user(user=owner, slug="groceries")

    renamed = services.category_update(
        user=owner, category=groceries, changes={"name": "Food shop", "color": "#123456"}
    )

    assert renamed.slug == "groceries" and renamed.name == "Food shop" and renamed.color == "#123456"


def test_a_bad_colour_is_refused(owner):
    groceries = selectors.get_category_for_user(user=owner, slug="groceries")

    with pytest.raises(ValidationError) as caught:
        services.category_update(user=owner, category=groceries, changes={"color": "red"})

    assert "color" in caught.value.message_dict


def test_removing_moves_transactions_budgets_and_rules_to_other(owner, account):
    pets = services.category_create(user=owner, name="Pets")
    txn = add_transaction(owner, account, amount=2500, category="pets")
    budget = services.budget_create(user=owner, name="Pets", category="pets", amount=10000, start_date=TODAY)
    rule = services.rule_create(user=owner, name="Vet", conditions=[{"field": "description", "op": "contains",
                                "value": "vet"}], actions={"category": "pets"})  # fmt: skip

    moved = services.category_delete(user=owner, category=pets)

    assert moved == {"transactions": 1, "budgets": 1, "rules": 1}
    assert Transaction.objects.get(pk=txn.pk).category == "other"
    assert Budget.objects.get(pk=budget.pk).category == "other"
    assert Rule.objects.get(pk=rule.pk).actions == {"category": "other"}
    assert not Category.objects.filter(user=owner, slug="pets").exists()
    assert DailySpending.objects.filter(user=owner, category="other").get().amount == 2500


def test_a_default_cannot_be_removed(owner):
    dining = selectors.get_category_for_user(user=owner, slug="dining")

    with pytest.raises(services.CategoryProtected):
        services.category_delete(user=owner, category=dining)
    assert Category.objects.filter(user=owner, slug="dining").exists()


def test_other_cannot_be_removed(owner):
    other = selectors.get_category_for_user(user=owner, slug="other")

    with pytest.raises(ValidationError) as caught:
        services.category_delete(user=owner, category=other)

    assert "slug" in caught.value.message_dict


def test_a_transaction_takes_only_its_owners_categories(owner, outsider, account):
    services.category_create(user=outsider, name="Secret stuff")

    with pytest.raises(ValidationError) as caught:
        add_transaction(owner, account, category="secret-stuff")

    assert "Choose a category" in caught.value.message_dict["category"][0]


def test_a_budget_needs_a_spending_category(owner):
    services.category_create(user=owner, name="Side gig", kind="income")

    with pytest.raises(ValidationError) as caught:
        services.budget_create(user=owner, name="Gig", category="side-gig", amount=100)

    assert "Choose a spending category" in caught.value.message_dict["category"][0]


def test_spending_follows_the_kind_of_a_category(owner, account):
    add_transaction(owner, account, amount=4000, category="shopping")
    chart = selectors.spending_by_category(user=owner, start=TODAY.replace(day=1), end=TODAY)
    shopping = selectors.get_category_for_user(user=owner, slug="shopping")

    services.category_update(user=owner, category=shopping, changes={"kind": "transfer"})
    after = selectors.spending_by_category(user=owner, start=TODAY.replace(day=1), end=TODAY)

    assert [s.category for s in chart["USD"]] == ["shopping"]
    assert after == {}


def test_the_chart_uses_the_categorys_own_name(owner, account):
    add_transaction(owner, account, amount=4000, category="dining")
    dining = selectors.get_category_for_user(user=owner, slug="dining")
    services.category_update(user=owner, category=dining, changes={"name": "Eating out"})

    chart = selectors.spending_by_category(user=owner, start=TODAY.replace(day=1), end=TODAY)

    assert chart["USD"][0].label == "Eating out"


def test_validating_a_bulk_batch_reads_the_categories_once(owner, account, django_assert_num_queries):
    from banking.models import share_categories
    from banking.models.categories import user_category_kinds

    rows = [Transaction(user=owner, bank_account=account, amount=100, signed_amount=-100, currency="USD",
                        type="debit", description=f"Row {n}", category="dining", transaction_date=TODAY)
            for n in range(50)]  # fmt: skip
    share_categories(rows, user_category_kinds(owner.pk))

    with django_assert_num_queries(0):
        for row in rows:
            # The foreign keys are left out: their existence checks are a query each, categories none.
            row.full_clean(exclude=["signed_amount", "user", "bank_account"], validate_constraints=False,
                           validate_unique=False)  # fmt: skip


def test_another_users_category_is_404(owner, outsider):
    services.category_create(user=outsider, name="Theirs")

    with pytest.raises(Http404):
        selectors.get_category_for_user(user=owner, slug="theirs")


def test_data_migration_gives_existing_users_the_defaults(db):
    from importlib import import_module

    from django.apps import apps

    user = make_user("old@example.com")
    Category.objects.filter(user=user).delete()
    Rule.objects.filter(user=user).delete()

    import_module("banking.migrations.0007_default_categories_and_rules").forwards(apps, None)

    assert Category.objects.filter(user=user).count() == len(DefaultCategory.values)
    assert Rule.objects.filter(user=user, is_default=True).count() == 3
