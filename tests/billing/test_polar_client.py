"""billing/polar.py against a local HTTP server: retries, paging, errors, and the token kept out of logs."""

import logging

import pytest

from billing import polar
from tests.billing.conftest import POLAR_TOKEN, polar_subscription


@pytest.fixture
def client(polar_api):
    return polar.get_client()


def test_get_client_without_token_raises_not_configured(settings):
    settings.POLAR_ACCESS_TOKEN = ""

    with pytest.raises(polar.PolarNotConfigured):
        polar.get_client()


def test_idempotent_call_is_retried_after_a_server_error(client, polar_api):
    polar_api.respond("GET", "/v1/products/", 502, {"detail": "bad gateway"})
    polar_api.respond("GET", "/v1/products/", 500, {"detail": "oops"})

    assert list(client.products_list()) == []
    assert len(polar_api.calls("GET", "/v1/products/")) == 3


def test_idempotent_call_gives_up_after_the_retries(client, polar_api):
    for _ in range(3):
        polar_api.respond("GET", "/v1/products/", 503, {"detail": "down for maintenance"})

    with pytest.raises(polar.PolarError) as error:
        list(client.products_list())

    assert (error.value.status, error.value.polar_message) == (503, "down for maintenance")
    assert len(polar_api.calls("GET", "/v1/products/")) == 3


def test_idempotent_call_is_retried_after_a_timeout(client, polar_api):
    polar_api.respond("GET", "/v1/products/", 200, {"items": [], "pagination": {"max_page": 1}}, hang=1.5)

    assert list(client.products_list()) == []
    assert len(polar_api.calls("GET", "/v1/products/")) == 2


def test_post_is_not_retried_after_a_timeout(client, polar_api):
    polar_api.respond("POST", "/v1/customer-sessions/", 201, {}, hang=1.5)

    with pytest.raises(polar.PolarError, match="did not answer in time"):
        client.customer_session_create(external_customer_id="u1")

    assert len(polar_api.calls("POST", "/v1/customer-sessions/")) == 1


def test_validation_error_carries_polars_field_messages(client, polar_api):
    polar_api.respond(
        "POST",
        "/v1/checkouts/",
        422,
        {"detail": [{"loc": ["body", "products", 0], "msg": "Product does not exist.", "type": "value_error"}]},
    )

    with pytest.raises(polar.PolarError) as error:
        client.checkout_create(
            product_id="p", external_customer_id="u", customer_email="a@b.c", customer_name="", success_url="x"
        )

    assert error.value.status == 422
    assert error.value.polar_message == "products.0: Product does not exist."


def test_checkout_without_a_name_leaves_customer_name_out(client, polar_api):
    client.checkout_create(
        product_id="p", external_customer_id="u", customer_email="a@b.c", customer_name="", success_url="x"
    )

    assert "customer_name" not in polar_api.calls("POST", "/v1/checkouts/")[0]["json"]


def test_lists_follow_every_page(client, polar_api, owner):
    polar_api.page_size = 2
    polar_api.subscriptions = [polar_subscription(owner, id=f"sub-{n}") for n in range(5)]

    items = list(client.subscriptions_list(external_customer_id=str(owner.pk)))

    assert [item["id"] for item in items] == [f"sub-{n}" for n in range(5)]
    assert [call["query"]["page"] for call in polar_api.calls("GET", "/v1/subscriptions/")] == ["1", "2", "3"]
    assert {call["query"]["external_customer_id"] for call in polar_api.calls("GET", "/v1/subscriptions/")} == {
        str(owner.pk)
    }


def test_answer_without_items_is_an_error(client, polar_api):
    polar_api.respond("GET", "/v1/products/", 200, {"unexpected": True})

    with pytest.raises(polar.PolarError, match="no `items`"):
        list(client.products_list())


def test_the_token_never_reaches_a_log_line(client, polar_api, caplog):
    polar_api.respond("GET", "/v1/products/", 500, {"detail": "oops"})

    with caplog.at_level(logging.DEBUG):
        list(client.products_list())

    logged = "\n".join(f"{record.getMessage()} {vars(record)}" for record in caplog.records)
    assert "Polar GET /v1/products/" in logged
    assert POLAR_TOKEN not in logged
    assert POLAR_TOKEN not in repr(client)
