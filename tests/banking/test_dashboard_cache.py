"""The overview is cached as HTML under the user's data version; every write that changes it moves the
version on in its own transaction (accounts.services.user_data_changed)."""

import pytest
from django.db import transaction

from accounts.models import User
from banking import services
from billing.services import subscription_upsert_from_polar
from billing.testing import build_event
from tests.banking.conftest import add_transaction


def user_data_version(user_id) -> int:
    return User.objects.get(pk=user_id).data_version


def test_repeat_view_is_served_from_the_cache(owner_client, account, django_assert_max_num_queries):
    owner_client.get("/dashboard/")

    # Session and user only: the overview's own queries are not run again.
    with django_assert_max_num_queries(3):
        response = owner_client.get("/dashboard/")

    assert response.status_code == 200
    assert b"Everyday Checking" in response.content


def test_new_transaction_shows_on_the_next_view(owner, owner_client, account, django_capture_on_commit_callbacks):
    owner_client.get("/dashboard/")

    with django_capture_on_commit_callbacks(execute=True):
        add_transaction(owner, account, amount=4321, description="Corner bakery")
    response = owner_client.get("/dashboard/")

    assert b"Corner bakery" in response.content


def test_deleted_budget_leaves_the_next_view(owner, owner_client, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        budget = services.budget_create(
            user=owner, name="Food money", category="groceries", amount=50000, currency="USD", period="monthly"
        )
    assert b"Food money" in owner_client.get("/dashboard/").content

    with django_capture_on_commit_callbacks(execute=True):
        services.budget_delete(user=owner, budget=budget)

    assert b"Food money" not in owner_client.get("/dashboard/").content


def test_subscription_change_shows_the_plan_on_the_next_view(
    owner, owner_client, account, django_capture_on_commit_callbacks
):
    assert b"Renews" not in owner_client.get("/dashboard/").content

    with django_capture_on_commit_callbacks(execute=True):
        subscription_upsert_from_polar(data=build_event("subscription.active", owner)["data"])
    response = owner_client.get("/dashboard/")

    assert b"Renews" in response.content


def test_rolled_back_write_keeps_the_version(owner, account, django_capture_on_commit_callbacks):
    before = user_data_version(owner.pk)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        add_transaction(owner, account, amount=100)
        raise RuntimeError("abort")

    assert user_data_version(owner.pk) == before


def test_versions_are_per_user(owner, outsider, account, django_capture_on_commit_callbacks):
    theirs = user_data_version(outsider.pk)

    with django_capture_on_commit_callbacks(execute=True):
        add_transaction(owner, account, amount=100)

    assert user_data_version(outsider.pk) == theirs
