"""Entitlements: GET /api/subscription, the selectors, the page and API gates, export and demo plans."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import JsonResponse
from django.test import RequestFactory
from django.utils import timezone

from billing import selectors
from billing.decorators import api_subscription_required, subscription_required
from billing.models import Plan
from billing.services import demo_plans_ensure, order_upsert_from_polar, subscription_upsert_from_polar
from tests.billing.conftest import load_fixture, polar_subscription

pytestmark = pytest.mark.django_db

PRO_PRODUCT = "b2f0c7a4-93d1-4e6b-8f2a-1c3d5e7f9a0b"


def subscribe(user, **changes):
    return subscription_upsert_from_polar(data=polar_subscription(user, **changes)).object


def past(days: int = 1) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def future(days: int = 1) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


# --- GET /api/subscription ------------------------------------------------------------------------


def test_api_subscription_for_a_subscriber(api_client, owner):
    subscribe(owner)

    body = api_client.get("/api/subscription").json()

    assert body == {
        "has_subscription": True,
        "subscription": {
            "id": "0d1c9a58-6e1f-4a8b-9a3e-5c6f3b1f2e71",
            "product_id": PRO_PRODUCT,
            "status": "active",
            "amount": 1900,
            "currency": "USD",
            "recurring_interval": "month",
            "current_period_start": "2026-11-20T10:15:02.118Z",
            "current_period_end": "2026-12-20T10:15:02.118Z",
            "cancel_at_period_end": False,
            "canceled_at": None,
        },
        "error_type": None,
    }


def test_api_subscription_without_one(api_client):
    assert api_client.get("/api/subscription").json() == {
        "has_subscription": False,
        "subscription": None,
        "error_type": None,
    }


def test_api_subscription_canceled_with_time_left_says_canceled(api_client, owner):
    subscribe(owner, status="canceled", ended_at=None, current_period_end=future(5))

    body = api_client.get("/api/subscription").json()

    assert (body["has_subscription"], body["error_type"], body["subscription"]["status"]) == (
        False,
        "CANCELED",
        "canceled",
    )


def test_api_subscription_ended_says_expired(api_client, owner):
    subscribe(owner, status="canceled", ended_at=past(2), current_period_end=past(2))

    assert api_client.get("/api/subscription").json()["error_type"] == "EXPIRED"


def test_api_subscription_past_due_says_general(api_client, owner):
    subscribe(owner, status="past_due")

    assert api_client.get("/api/subscription").json()["error_type"] == "GENERAL"


def test_api_subscription_needs_a_signed_in_user(client):
    response = client.get("/api/subscription")

    assert (response.status_code, response.json()["error"]) == (401, "unauthorized")


def test_api_subscription_only_answers_get(api_client):
    response = api_client.post("/api/subscription", headers={"X-CSRFToken": api_client.cookies["csrftoken"].value})

    assert response.status_code == 405


# --- Selectors ------------------------------------------------------------------------------------


def test_active_subscription_wins_over_a_newer_canceled_one(owner):
    subscribe(owner)
    subscribe(owner, id="newer", status="canceled", created_at=future(1))

    details = selectors.subscription_details(user=owner)

    assert (details.has_subscription, details.subscription.id) == (True, "0d1c9a58-6e1f-4a8b-9a3e-5c6f3b1f2e71")


def test_trialing_counts_as_subscribed(owner):
    subscribe(owner, status="trialing")

    assert selectors.user_is_subscribed(user=owner)


def test_unlinked_subscription_entitles_nobody(owner):
    data = polar_subscription(owner)
    data["customer"]["external_id"] = None
    subscription_upsert_from_polar(data=data)

    assert not selectors.user_is_subscribed(user=owner)


def test_product_access_is_per_product(owner):
    subscribe(owner)

    assert selectors.user_has_product_access(user=owner, product_id=PRO_PRODUCT)
    assert not selectors.user_has_product_access(user=owner, product_id="another-product")


def test_anonymous_user_has_nothing():
    anonymous = AnonymousUser()

    assert not selectors.user_is_subscribed(user=anonymous)
    assert selectors.subscription_details(user=anonymous).subscription is None
    assert selectors.user_plan(user=anonymous) is None


def test_free_user_bank_account_limit_is_the_setting(owner, settings):
    settings.FREE_MAX_BANK_ACCOUNTS = 2

    assert selectors.bank_account_limit(user=owner) == 2


def test_subscriber_bank_account_limit_comes_from_the_plan(owner):
    Plan.objects.create(slug="plus", name="Plus", polar_product_id=PRO_PRODUCT, price_amount=400, max_bank_accounts=3)
    subscribe(owner)

    assert selectors.bank_account_limit(user=owner) == 3
    assert selectors.user_plan(user=owner).slug == "plus"


def test_subscriber_on_an_unlimited_plan_has_no_limit(owner):
    Plan.objects.create(slug="pro", name="Pro", polar_product_id=PRO_PRODUCT, price_amount=900)
    subscribe(owner)

    assert selectors.bank_account_limit(user=owner) is None


# --- Gates ----------------------------------------------------------------------------------------


def gated_request(user):
    request = RequestFactory().get("/dashboard/some-paid-page")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_page_gate_sends_non_subscribers_to_pricing_with_a_message(owner):
    view = subscription_required(lambda request: JsonResponse({"ok": True}))
    request = gated_request(owner)

    response = view(request)

    assert (response.status_code, response["Location"]) == (302, "/pricing")
    assert "part of a paid plan" in str(list(request._messages)[0])


def test_page_gate_lets_subscribers_in(owner):
    subscribe(owner)
    view = subscription_required(lambda request: JsonResponse({"ok": True}))

    assert view(gated_request(owner)).status_code == 200


def test_api_gate_answers_402_subscription_required(owner):
    view = api_subscription_required(lambda request: JsonResponse({"ok": True}))

    response = view(gated_request(owner))

    assert response.status_code == 402
    assert json.loads(response.content)["error"] == "subscription_required"


def test_api_gate_answers_401_when_signed_out():
    view = api_subscription_required(lambda request: JsonResponse({"ok": True}))

    assert view(gated_request(AnonymousUser())).status_code == 401


# --- Export and demo plans ------------------------------------------------------------------------


def test_export_sections_stream_the_users_subscriptions_and_orders_as_json(owner, outsider):
    subscribe(owner)
    order_upsert_from_polar(data=load_fixture("order.paid", owner)["data"])
    subscribe(outsider, id="outsider-subscription")

    sections = {name: list(rows) for name, rows in selectors.export_sections(user=owner)}

    assert [row["id"] for row in sections["subscriptions"]] == ["0d1c9a58-6e1f-4a8b-9a3e-5c6f3b1f2e71"]
    assert sections["subscriptions"][0]["current_period_end"] == "2026-12-20T10:15:02.118233+00:00"
    assert [row["invoice_number"] for row in sections["orders"]] == ["POLAR-0001"]
    json.dumps(sections)  # plain JSON, no encoder needed


def test_export_sections_are_lazy(owner, django_assert_num_queries):
    with django_assert_num_queries(0):
        sections = list(selectors.export_sections(user=owner))

    assert [name for name, _ in sections] == ["subscriptions", "orders"]


def test_demo_plans_are_created_once(db):
    demo_plans_ensure()
    demo_plans_ensure()

    plans = {plan.slug: plan for plan in Plan.objects.all()}
    assert set(plans) == {"plus", "pro", "pro-yearly"}
    assert plans["pro"].max_bank_accounts is None
    assert plans["plus"].max_bank_accounts == 3


def test_demo_plans_leave_existing_plans_alone(db):
    Plan.objects.create(slug="real", name="Real", polar_product_id="real-product", price_amount=500)

    demo_plans_ensure()

    assert list(Plan.objects.values_list("slug", flat=True)) == ["real"]
