"""The dashboard shows a subscriber's plan: every writer of a plan (the admin, `sync_polar_products`) moves
its subscribers' data versions on, so no overview shows an old plan, and nobody else's moves."""

import pytest
from django.test import Client

from accounts.models import User
from billing import services
from billing.models import Plan
from billing.services import demo_plans_ensure, subscription_upsert_from_polar
from billing.testing import build_event

pytestmark = pytest.mark.django_db


def version(user) -> int:
    return User.objects.get(pk=user.pk).data_version


@pytest.fixture
def plus(db) -> Plan:
    demo_plans_ensure()
    return Plan.objects.get(slug="plus")


@pytest.fixture
def subscriber(owner, plus):
    subscription_upsert_from_polar(data=build_event("subscription.active", owner, plan=plus)["data"])
    return owner


def test_renaming_a_plan_in_the_admin_refreshes_its_subscribers_dashboards(subscriber, outsider, plus, staff):
    client = Client()
    client.force_login(staff)
    theirs, others = version(subscriber), version(outsider)
    assert b"Plus" in _dashboard(subscriber)

    form = {f: getattr(plus, f) for f in ("slug", "description", "polar_product_id", "price_amount", "currency")}
    form |= {"name": "Plus Family", "interval": plus.interval, "features": '["Up to 3 bank accounts"]',
             "max_bank_accounts": "3", "is_active": "on", "sort_order": "0"}  # fmt: skip
    response = client.post(f"/admin/billing/plan/{plus.pk}/change/", form)

    assert response.status_code == 302
    assert version(subscriber) > theirs and version(outsider) == others
    assert b"Plus Family" in _dashboard(subscriber)


def test_sync_polar_products_refreshes_the_subscribers_of_a_plan_it_changes(subscriber, plus):
    before = version(subscriber)
    product = {
        "id": plus.polar_product_id,
        "name": "Plus (new)",
        "is_recurring": True,
        "prices": [{"amount_type": "fixed", "price_amount": 500, "price_currency": "usd"}],
        "recurring_interval": "month",
        "metadata": {"slug": "plus", "max_bank_accounts": "3"},
    }

    services.plans_sync_from_polar(products=[product])

    assert version(subscriber) > before


def test_a_plan_moved_to_another_product_refreshes_the_old_products_subscribers(subscriber, plus):
    before = version(subscriber)

    plus.polar_product_id = "prod_real_plus"
    plus.save()

    assert version(subscriber) > before


def _dashboard(user) -> bytes:
    client = Client()
    client.force_login(user)
    return client.get("/dashboard/").content
