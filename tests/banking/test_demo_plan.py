"""The demo user's accounts fit their plan: seed_demo puts them on a demo subscription, shown as such."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from billing import services as billing_services
from billing.models import Subscription
from billing.selectors import bank_account_limit
from tests.billing.conftest import fake_polar_server, polar_subscription

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), verbosity=0, **options)
    return out.getvalue()


@pytest.fixture
def demo_client() -> Client:
    seed()
    client = Client()
    client.force_login(User.objects.get(email="demo@example.com"))
    return client


def test_the_demo_user_is_on_a_demo_subscription_that_allows_their_accounts():
    out = seed()

    user = User.objects.get(email="demo@example.com")
    subscription = Subscription.objects.get(user=user)
    assert subscription.is_demo and subscription.is_entitled
    assert bank_account_limit(user=user) is None  # the demo plans' most generous: no limit
    assert "demo subscription" in out


def test_the_accounts_page_does_not_say_the_demo_is_over_its_plan(demo_client):
    html = demo_client.get("/dashboard/accounts/").content.decode()

    assert " of 1 bank account" not in html
    assert "4 bank accounts linked" in html


def test_the_billing_page_says_it_is_a_demo_and_offers_no_portal(demo_client):
    html = demo_client.get("/dashboard/settings/billing").content.decode()

    assert "This is a demo subscription" in html
    assert 'action="/billing/portal/"' not in html


def test_the_dashboard_and_pricing_mark_the_plan_as_a_demo(demo_client):
    for path in ("/dashboard/", "/pricing"):
        html = demo_client.get(path).content.decode()
        assert '<span class="badge">Demo</span>' in html or '<small class="badge">Demo</small>' in html, path


def test_seeding_twice_keeps_one_demo_subscription():
    seed()
    seed()

    assert Subscription.objects.count() == 1


def test_a_real_subscriber_gets_no_demo_subscription(owner):
    billing_services.subscription_upsert_from_polar(data=polar_subscription(owner))

    seed(email=owner.email)

    assert not any(s.is_demo for s in Subscription.objects.filter(user=owner))


def test_the_demo_subscription_does_not_stop_the_account_from_being_deleted():
    from billing.apps import active_subscription_blocks_deletion

    seed()

    assert active_subscription_blocks_deletion(user=User.objects.get(email="demo@example.com")) is None


def test_reconciliation_with_polar_leaves_demo_subscriptions_alone(settings):
    seed()

    with fake_polar_server(settings) as polar:
        result = billing_services.subscriptions_reconcile()

    assert result.failed == {}
    assert not [r for r in polar.requests if r["path"].startswith("/v1/subscriptions/demo_")]
