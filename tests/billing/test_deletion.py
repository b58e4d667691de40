"""Account deletion's billing hook: Polar's deliveries that name the user without a link to them go; others stay."""

import copy
import uuid

import pytest

from billing import services, webhooks
from billing.deletion import billing_data_delete
from billing.models import WebhookEvent
from billing.testing import build_event, customer_id_for

pytestmark = pytest.mark.django_db


def deliver(event: dict, webhook_id: str) -> None:
    services.webhook_event_receive(webhook_id=webhook_id, payload=event, handler=webhooks.handler_for(event["type"]))


def customer_updated(user) -> dict:
    event = build_event("customer.updated", user)
    event["data"] = copy.deepcopy(event["data"]["customer"])
    return event


def remaining() -> set[str]:
    return set(WebhookEvent.objects.values_list("webhook_id", flat=True))


def test_a_customer_event_is_found_by_the_users_id_and_stored_unlinked(owner):
    deliver(customer_updated(owner), "msg_customer")
    assert WebhookEvent.objects.get().user_id is None

    billing_data_delete(user=owner)

    assert remaining() == set()


def test_a_checkout_is_found_by_e_mail_whatever_its_case(owner):
    deliver({"type": "checkout.updated", "data": {"id": "co_1", "customer_email": "OWNER@Example.com"}}, "msg_co")

    billing_data_delete(user=owner)

    assert remaining() == set()


def test_a_delivery_naming_only_a_customer_the_checkout_revealed_goes_too(owner):
    revealed = str(uuid.uuid4())
    deliver(
        {"type": "checkout.updated", "data": {"id": "co_2", "customer_email": owner.email, "customer_id": revealed}},
        "a",
    )
    deliver({"type": "benefit_grant.created", "data": {"id": "bg_1", "customer_id": revealed}}, "b")

    billing_data_delete(user=owner)

    assert remaining() == set()


def test_an_order_without_its_customer_is_found_by_the_customer_id(owner):
    deliver(build_event("subscription.active", owner), "msg_subscription")
    order = build_event("order.paid", owner)
    del order["data"]["customer"]
    deliver(order, "msg_order")
    assert WebhookEvent.objects.get(webhook_id="msg_order").user_id is None

    billing_data_delete(user=owner)

    assert "msg_order" not in remaining()


def test_other_peoples_deliveries_stay(owner, outsider):
    deliver(customer_updated(outsider), "msg_outsider")
    deliver({"type": "checkout.updated", "data": {"id": "co_3", "customer_email": outsider.email}}, "msg_co")

    billing_data_delete(user=owner)

    assert remaining() == {"msg_outsider", "msg_co"}


def test_a_delivery_with_the_users_address_but_another_users_id_stays(owner, outsider):
    """Someone who had the address before: the customer is theirs, and so is the delivery."""
    event = customer_updated(outsider)
    event["data"]["email"] = owner.email
    event["data"]["id"] = customer_id_for(outsider)
    deliver(event, "msg_previous_holder")

    billing_data_delete(user=owner)

    assert remaining() == {"msg_previous_holder"}
