"""Billing in a real browser: pricing, checkout to /success, the billing tab and the gated page."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Plan
from billing.services import subscription_upsert_from_polar
from tests.billing.conftest import LEGACY_SECRET, fake_polar_server, polar_subscription, signed_headers
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PRO_PRODUCT = "b2f0c7a4-93d1-4e6b-8f2a-1c3d5e7f9a0b"


@pytest.fixture
def pro(db) -> Plan:
    return Plan.objects.create(
        slug="pro",
        name="Pro",
        polar_product_id=PRO_PRODUCT,
        price_amount=1900,
        features=["Unlimited bank accounts", "Spending insights"],
    )


@pytest.fixture
def polar_api(settings):
    with fake_polar_server(settings) as fake:
        yield fake


def signed_in(page, live_server, user) -> None:
    """Put a session for `user` in the browser (sign-in itself is the accounts tests' business)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def subscribe(user, **changes):
    now = timezone.now()
    data = polar_subscription(
        user,
        current_period_start=now.isoformat(),
        current_period_end=(now + timedelta(days=30)).isoformat(),
        **changes,
    )
    return subscription_upsert_from_polar(data=data).object


def test_subscriber_sees_current_plan_on_pricing(page, live_server, owner, pro):
    subscription = subscribe(owner)
    signed_in(page, live_server, owner)

    page.goto("/pricing")

    current = page.locator("article.plan.current")
    expect(current).to_contain_text("Pro")
    expect(current).to_contain_text("Current plan")
    expect(page.get_by_role("heading", name="Current plan: Pro")).to_be_visible()
    end = subscription.current_period_end
    expect(page.get_by_text(f"Renews on {end.day} {end:%b %Y}").first).to_be_visible()
    expect(page.get_by_role("button", name="Manage subscription")).to_be_visible()
    expect(page.get_by_role("button", name="Subscribe to Pro")).to_have_count(0)


def test_subscriber_sees_the_subscription_on_the_billing_tab(page, live_server, owner, pro):
    subscribe(owner, cancel_at_period_end=True)
    signed_in(page, live_server, owner)

    page.goto("/dashboard/settings/billing")

    expect(page.get_by_role("link", name="Billing")).to_have_attribute("aria-current", "page")
    summary = page.locator("table.billing-summary")
    expect(summary).to_contain_text("Pro")
    expect(summary).to_contain_text("Active")
    expect(summary).to_contain_text("$19.00 / month")
    expect(page.get_by_role("alert")).to_contain_text("Your subscription is set to cancel")
    expect(page.get_by_role("button", name="Manage subscription")).to_be_visible()


def test_gated_page_is_blurred_for_a_user_without_subscription(page, live_server, owner, pro):
    signed_in(page, live_server, owner)

    page.goto("/dashboard/payment")

    content = page.locator(".gated .gated-content")
    assert "blur" in content.evaluate("el => getComputedStyle(el).filter")
    expect(page.get_by_role("heading", name="Unlock insights")).to_be_visible()
    page.get_by_role("button", name="See plans").click()
    expect(page).to_have_url(re.compile(r"/pricing$"))


def test_gated_page_is_clear_for_a_subscriber(page, live_server, owner, pro):
    subscribe(owner)
    signed_in(page, live_server, owner)

    page.goto("/dashboard/payment")

    expect(page.locator(".gated")).to_have_count(0)
    expect(page.get_by_text("Unlimited bank accounts")).to_be_visible()


def test_checkout_goes_to_polar_and_success_waits_for_the_webhook(
    page,
    live_server,
    owner,
    pro,
    polar_api,
    settings,
):
    settings.POLAR_WEBHOOK_SECRET = LEGACY_SECRET
    checkout_id = "c41e8d2a-5f7b-4c9e-a1d3-6b8f0e2a4c6d"
    # Polar would take the payment and send the browser to our success_url; the stand-in goes there at once.
    polar_api.checkout_url = f"{live_server.url}/success?checkout_id={checkout_id}"
    signed_in(page, live_server, owner)
    page.goto("/pricing")

    page.get_by_role("button", name="Subscribe to Pro").click()

    expect(page.get_by_role("heading", name="Finishing up…")).to_be_visible()
    assert polar_api.calls("POST", "/v1/checkouts/")[0]["json"]["external_customer_id"] == str(owner.pk)
    event = {"type": "subscription.active", "timestamp": timezone.now().isoformat(), "data": polar_subscription(owner)}
    body = json.dumps(event)
    response = Client().post(
        "/api/payments/webhooks",
        data=body,
        content_type="application/json",
        headers=signed_headers(body, secret=LEGACY_SECRET),
    )
    assert response.status_code == 200
    expect(page.get_by_role("heading", name="Welcome to Pro")).to_be_visible(timeout=10_000)


def test_anonymous_visitor_signs_in_before_subscribing(page, live_server, owner, pro):
    page.goto("/pricing")

    page.get_by_role("button", name="Sign in to subscribe").click()

    expect(page).to_have_url(re.compile(r"/sign-in\?next=/pricing$"))
    page.get_by_label("E-mail").fill(owner.email)  # the sign-in form of tests.browser.conftest.sign_in
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/pricing$"))
    expect(page.get_by_role("button", name="Subscribe to Pro")).to_be_visible()
