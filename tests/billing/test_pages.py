"""Billing pages: /pricing, /success, /dashboard/payment and the billing settings tab."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Order, Plan
from billing.services import order_upsert_from_polar, subscription_upsert_from_polar
from tests.billing.conftest import load_fixture, polar_subscription

pytestmark = pytest.mark.django_db

PRO_PRODUCT = "b2f0c7a4-93d1-4e6b-8f2a-1c3d5e7f9a0b"


@pytest.fixture
def plans(db) -> list[Plan]:
    return [
        Plan.objects.create(
            slug="plus",
            name="Plus",
            polar_product_id="plus-product",
            price_amount=400,
            features=["Up to 3 bank accounts"],
            max_bank_accounts=3,
            sort_order=0,
        ),
        Plan.objects.create(
            slug="pro",
            name="Pro",
            polar_product_id=PRO_PRODUCT,
            price_amount=1900,
            features=["Unlimited bank accounts"],
            sort_order=1,
        ),
    ]


def subscribe(user, **changes):
    now = timezone.now()
    data = polar_subscription(
        user,
        current_period_start=now.isoformat(),
        current_period_end=(now + timedelta(days=30)).isoformat(),
        **changes,
    )
    return subscription_upsert_from_polar(data=data).object


def add_orders(user, count: int, *, start: int = 0):
    base = load_fixture("order.paid", user)["data"]
    for n in range(start, start + count):
        order_upsert_from_polar(data={**base, "id": f"order-{n:04d}", "invoice_number": f"INV-{n:04d}"})


# --- /pricing -------------------------------------------------------------------------------------


def test_pricing_lists_active_plans_for_anyone(client, plans):
    Plan.objects.create(slug="old", name="Legacy", polar_product_id="old", price_amount=100, is_active=False)

    page = client.get("/pricing").content.decode()

    assert "Plus" in page and "$4.00" in page
    assert "Pro" in page and "$19.00" in page
    assert "Legacy" not in page


def test_anonymous_visitor_is_asked_to_sign_in_first(client, plans):
    page = client.get("/pricing").content.decode()

    assert 'href="/sign-in?next=/pricing"' in page
    assert 'action="/billing/checkout/"' not in page


def test_signed_in_visitor_gets_subscribe_buttons(owner_client, plans):
    page = owner_client.get("/pricing").content.decode()

    assert 'action="/billing/checkout/"' in page
    assert 'name="plan" value="pro"' in page
    assert "Subscribe to Pro" in page


def test_subscriber_sees_current_plan_renewal_and_manage(owner_client, owner, plans):
    subscription = subscribe(owner)

    page = owner_client.get("/pricing").content.decode()

    assert "Current plan: Pro" in page
    assert f"Renews on <strong>{subscription.current_period_end.day} {subscription.current_period_end:%b %Y}" in page
    assert "Manage subscription" in page
    assert 'action="/billing/checkout/"' not in page


def test_subscriber_set_to_cancel_sees_the_end_date(owner_client, owner, plans):
    subscribe(owner, cancel_at_period_end=True)

    page = owner_client.get("/pricing").content.decode()

    assert "Ends on" in page
    assert "it will not renew" in page


def test_pricing_query_count_is_fixed(owner_client, owner, plans, django_assert_max_num_queries):
    subscribe(owner)
    for n in range(10):
        Plan.objects.create(slug=f"extra-{n}", name=f"Extra {n}", polar_product_id=f"x{n}", price_amount=n * 100)
    owner_client.get("/pricing")  # the first request of a session records it (allauth usersessions)

    # user, plans, subscriptions: the same with 12 plans as with 2.
    with django_assert_max_num_queries(3):
        response = owner_client.get("/pricing")

    assert response.status_code == 200


def test_pricing_without_plans_says_so(client):
    assert "No paid plans are on sale right now" in client.get("/pricing").content.decode()


# --- /success -------------------------------------------------------------------------------------


def test_success_before_the_webhook_says_finishing_up_and_refreshes(owner_client, plans):
    page = owner_client.get("/success?checkout_id=c41e8d2a-5f7b-4c9e-a1d3-6b8f0e2a4c6d").content.decode()

    assert "Finishing up" in page
    refresh = "/success?checkout_id=c41e8d2a-5f7b-4c9e-a1d3-6b8f0e2a4c6d&amp;attempt=1"
    assert f'<meta http-equiv="refresh" content="3;url={refresh}">' in page


def test_success_after_the_webhook_shows_the_plan(owner_client, owner, plans):
    subscribe(owner)

    page = owner_client.get("/success?checkout_id=c41e8d2a-5f7b-4c9e-a1d3-6b8f0e2a4c6d").content.decode()

    assert "Welcome to Pro" in page
    assert 'http-equiv="refresh"' not in page


def test_success_does_not_show_another_users_checkout(outsider_client, owner, plans):
    subscribe(owner)

    page = outsider_client.get("/success?checkout_id=c41e8d2a-5f7b-4c9e-a1d3-6b8f0e2a4c6d").content.decode()

    assert "Finishing up" in page


def test_success_stops_refreshing_after_a_while(owner_client, plans):
    page = owner_client.get("/success?checkout_id=abc&attempt=20").content.decode()

    assert "taking longer than usual" in page
    assert 'http-equiv="refresh"' not in page


def test_success_ignores_a_malformed_checkout_id(owner_client, plans):
    page = owner_client.get('/success?checkout_id=<script>"&attempt=x').content.decode()

    assert "<script>" not in page
    assert "Finishing up" in page


def test_success_needs_a_signed_in_user(client):
    assert client.get("/success?checkout_id=x")["Location"].startswith("/sign-in")


# --- /dashboard/payment (the gated page) ----------------------------------------------------------


def test_gated_page_is_blurred_for_a_user_without_subscription(owner_client):
    page = owner_client.get("/dashboard/payment").content.decode()

    assert 'class="gated"' in page
    assert 'class="gated-content" aria-hidden="true"' in page
    assert 'href="/pricing"' in page


def test_gated_page_shows_real_content_to_a_subscriber(owner_client, owner, plans):
    subscribe(owner)
    add_orders(owner, 2)

    page = owner_client.get("/dashboard/payment").content.decode()

    assert "gated-content" not in page
    assert "Unlimited bank accounts" in page
    assert "$38.00" in page  # two paid orders of $19.00


def test_gated_page_is_blurred_again_after_the_subscription_ends(owner_client, owner, plans):
    subscribe(owner, status="canceled", ended_at=(timezone.now() - timedelta(days=1)).isoformat())

    page = owner_client.get("/dashboard/payment").content.decode()

    assert "gated-content" in page
    assert "Your subscription has ended" in page


# --- Billing settings tab -------------------------------------------------------------------------


def test_billing_tab_shows_status_amount_interval_and_period_end(owner_client, owner, plans):
    subscription = subscribe(owner)

    page = owner_client.get("/dashboard/settings/billing").content.decode()

    assert "Pro" in page
    assert "Active" in page
    assert "$19.00 / month" in page
    assert "Renews on" in page
    assert f"{subscription.current_period_end.day} {subscription.current_period_end:%b %Y}" in page
    assert 'action="/billing/portal/"' in page


def test_billing_tab_warns_when_set_to_cancel(owner_client, owner, plans):
    subscribe(owner, cancel_at_period_end=True)

    page = owner_client.get("/dashboard/settings/billing").content.decode()

    assert "Your subscription is set to cancel" in page


def test_billing_tab_lists_only_the_users_orders(owner_client, owner, outsider, plans):
    add_orders(owner, 2)
    base = load_fixture("order.paid", outsider)["data"]
    order_upsert_from_polar(data={**base, "id": "outsider-order", "invoice_number": "SECRET-INV"})

    page = owner_client.get("/dashboard/settings/billing").content.decode()

    assert "INV-0000" in page and "INV-0001" in page
    assert "SECRET-INV" not in page


def test_billing_tab_pages_through_long_histories(owner_client, owner, plans):
    add_orders(owner, 25)
    Order.objects.filter(user=owner).update(created_at=timezone.now())

    first = owner_client.get("/dashboard/settings/billing").content.decode()
    second = owner_client.get("/dashboard/settings/billing?page=2").content.decode()

    assert first.count('<td class="nowrap">') == 20
    assert second.count('<td class="nowrap">') == 5


def test_billing_tab_for_a_free_user_points_to_pricing(owner_client):
    page = owner_client.get("/dashboard/settings/billing").content.decode()

    assert "You are on the free plan" in page
    assert "No orders yet" in page


def test_billing_tab_query_count_is_fixed(owner_client, owner, plans, django_assert_max_num_queries):
    subscribe(owner)
    add_orders(owner, 30)
    owner_client.get("/dashboard/settings/billing")  # the first request of a session records it

    # user, subscriptions, plan, order count, one page of orders: the same with 30 orders as with none.
    with django_assert_max_num_queries(5):
        response = owner_client.get("/dashboard/settings/billing")

    assert response.status_code == 200
