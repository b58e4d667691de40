"""POST /billing/checkout/ and /billing/portal/ against a local stand-in for Polar's API."""

import logging

import pytest
from django.contrib.messages import get_messages

from accounts.models import AuditEvent
from billing.models import Plan, Subscription
from tests.billing.conftest import POLAR_TOKEN, polar_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(db) -> Plan:
    return Plan.objects.create(
        slug="pro", name="Pro", polar_product_id="b2f0c7a4-93d1-4e6b-8f2a-1c3d5e7f9a0b", price_amount=1900
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def subscribe(user, **changes) -> Subscription:
    from billing.services import subscription_upsert_from_polar

    return subscription_upsert_from_polar(data=polar_subscription(user, **changes)).object


# --- Checkout -------------------------------------------------------------------------------------


def test_checkout_redirects_to_polar_with_303(owner_client, polar_api, pro):
    response = owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert response.status_code == 303
    assert response["Location"] == polar_api.checkout_url


def test_checkout_sends_product_customer_and_success_url(owner_client, owner, polar_api, pro):
    owner_client.post("/billing/checkout/", {"plan": "pro"})

    [call] = polar_api.calls("POST", "/v1/checkouts/")
    assert call["json"] == {
        "products": ["b2f0c7a4-93d1-4e6b-8f2a-1c3d5e7f9a0b"],
        "external_customer_id": str(owner.pk),
        "customer_email": "owner@example.com",
        "customer_name": "Olive Owner",
        "success_url": "http://testserver/success?checkout_id={CHECKOUT_ID}",
    }
    assert call["headers"]["Authorization"] == f"Bearer {POLAR_TOKEN}"


def test_checkout_is_audited(owner_client, owner, polar_api, pro):
    owner_client.post("/billing/checkout/", {"plan": "pro"})

    audit = AuditEvent.objects.get(action="billing.checkout_started")
    assert (audit.user, audit.details) == (owner, {"plan": "pro", "checkout_id": "polar_c_test"})


def test_checkout_without_token_says_billing_is_not_configured(owner_client, settings, pro):
    settings.POLAR_ACCESS_TOKEN = ""

    response = owner_client.post(
        "/billing/checkout/", {"plan": "pro"}, headers={"Referer": "http://testserver/pricing"}
    )

    assert response.status_code == 303
    assert response["Location"] == "/pricing"
    assert "Billing is not configured" in messages_of(response)[0]


def test_checkout_sends_the_user_back_to_the_page_they_came_from(owner_client, settings, pro):
    settings.POLAR_ACCESS_TOKEN = ""

    response = owner_client.post(
        "/billing/checkout/", {"plan": "pro"}, headers={"Referer": "http://testserver/dashboard/payment"}
    )

    assert response["Location"] == "/dashboard/payment"


def test_checkout_ignores_a_referer_from_another_site(owner_client, settings, pro):
    settings.POLAR_ACCESS_TOKEN = ""

    response = owner_client.post("/billing/checkout/", {"plan": "pro"}, headers={"Referer": "https://evil.example/x"})

    assert response["Location"] == "/pricing"


@pytest.mark.parametrize("status", [500, 502, 422, 401])
def test_checkout_refused_by_polar_shows_a_message_with_the_request_id(owner_client, polar_api, pro, status, caplog):
    polar_api.respond("POST", "/v1/checkouts/", status, {"detail": [{"loc": ["body", "products"], "msg": "bad"}]})

    with caplog.at_level(logging.WARNING):
        response = owner_client.post("/billing/checkout/", {"plan": "pro"}, headers={"X-Request-ID": "req-checkout-1"})

    assert response.status_code == 303
    assert response["Location"] == "/pricing"
    [message] = messages_of(response)
    assert "could not start the checkout" in message
    assert "req-checkout-1" in message
    assert any(getattr(r, "polar_status", None) == status for r in caplog.records)
    assert not AuditEvent.objects.filter(action="billing.checkout_started").exists()


def test_checkout_is_not_retried_after_a_server_error(owner_client, polar_api, pro):
    polar_api.respond("POST", "/v1/checkouts/", 500, {"detail": "boom"})

    owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert len(polar_api.calls("POST", "/v1/checkouts/")) == 1


def test_checkout_is_retried_after_429(owner_client, polar_api, pro):
    polar_api.respond("POST", "/v1/checkouts/", 429, {"detail": "slow down"}, headers={"Retry-After": "0"})

    response = owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert response["Location"] == polar_api.checkout_url
    assert len(polar_api.calls("POST", "/v1/checkouts/")) == 2


def test_checkout_when_polar_hangs_times_out_with_a_message(owner_client, polar_api, pro):
    polar_api.respond("POST", "/v1/checkouts/", 201, {"url": "https://late"}, hang=1.5)

    response = owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert response.status_code == 303
    assert response["Location"] == "/pricing"
    assert "could not start the checkout" in messages_of(response)[0]


def test_checkout_when_polar_is_unreachable_shows_a_message(owner_client, settings, pro):
    settings.POLAR_ACCESS_TOKEN = POLAR_TOKEN
    settings.POLAR_API_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.POLAR_RETRY_BACKOFF = 0.01

    response = owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert response.status_code == 303
    assert "could not start the checkout" in messages_of(response)[0]


def test_checkout_for_an_unknown_plan_asks_to_choose_one(owner_client, polar_api, pro):
    response = owner_client.post("/billing/checkout/", {"plan": "platinum"})

    assert response.status_code == 303
    assert "Choose one of the plans" in messages_of(response)[0]
    assert polar_api.requests == []


def test_checkout_for_an_inactive_plan_is_refused(owner_client, polar_api, pro):
    Plan.objects.filter(pk=pro.pk).update(is_active=False)

    response = owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert "Choose one of the plans" in messages_of(response)[0]
    assert polar_api.requests == []


def test_subscriber_cannot_start_a_second_checkout(owner_client, owner, polar_api, pro):
    subscribe(owner)

    response = owner_client.post("/billing/checkout/", {"plan": "pro"})

    assert "already have a subscription" in messages_of(response)[0]
    assert polar_api.requests == []


def test_checkout_needs_a_signed_in_user(client, pro):
    response = client.post("/billing/checkout/", {"plan": "pro"})

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in?next=/billing/checkout/")


def test_checkout_answers_get_with_405(owner_client, pro):
    assert owner_client.get("/billing/checkout/").status_code == 405


def test_checkout_requires_the_csrf_token(api_client, polar_api, pro):
    response = api_client.post("/billing/checkout/", {"plan": "pro"})

    assert response.status_code == 403
    assert polar_api.requests == []


# --- Portal ---------------------------------------------------------------------------------------


def test_portal_redirects_to_the_customer_portal_with_303(owner_client, owner, polar_api):
    response = owner_client.post("/billing/portal/")

    assert response.status_code == 303
    assert response["Location"] == polar_api.portal_url
    [call] = polar_api.calls("POST", "/v1/customer-sessions/")
    assert call["json"] == {
        "external_customer_id": str(owner.pk),
        "return_url": "http://testserver/dashboard/settings/billing",
    }
    assert AuditEvent.objects.filter(action="billing.portal_opened", user=owner).exists()


def test_portal_uses_next_as_the_return_url(owner_client, polar_api):
    owner_client.post("/billing/portal/", {"next": "/dashboard/settings/data"})

    [call] = polar_api.calls("POST", "/v1/customer-sessions/")
    assert call["json"]["return_url"] == "http://testserver/dashboard/settings/data"


def test_portal_ignores_a_next_on_another_site(owner_client, polar_api):
    owner_client.post("/billing/portal/", {"next": "//evil.example/steal"})

    [call] = polar_api.calls("POST", "/v1/customer-sessions/")
    assert call["json"]["return_url"] == "http://testserver/dashboard/settings/billing"


def test_portal_for_a_user_polar_does_not_know_explains_it(owner_client, polar_api):
    polar_api.respond("POST", "/v1/customer-sessions/", 404, {"error": "ResourceNotFound", "detail": "Not found"})

    response = owner_client.post("/billing/portal/", {"next": "/dashboard/settings/data"})

    assert response.status_code == 303
    assert response["Location"] == "/dashboard/settings/data"
    assert "no billing account yet" in messages_of(response)[0]


def test_portal_when_polar_fails_goes_back_with_a_message(owner_client, polar_api):
    polar_api.respond("POST", "/v1/customer-sessions/", 503, {"detail": "maintenance"})

    response = owner_client.post("/billing/portal/", headers={"Referer": "http://testserver/pricing"})

    assert response["Location"] == "/pricing"
    assert "could not open the billing portal" in messages_of(response)[0]


def test_portal_without_token_says_billing_is_not_configured(owner_client, settings):
    settings.POLAR_ACCESS_TOKEN = ""

    response = owner_client.post("/billing/portal/")

    assert response["Location"] == "/dashboard/settings/billing"
    assert "Billing is not configured" in messages_of(response)[0]
