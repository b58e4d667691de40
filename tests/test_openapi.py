"""The OpenAPI description: valid OpenAPI 3.1, listing every endpoint of the contract; the docs page."""

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

# Every path and method INTERFACE.md lists for the JSON API (as OpenAPI writes path parameters).
CONTRACT = {
    ("get", "/api/health"),
    ("get", "/api/auth/session"),
    ("get", "/api/subscription"),
    ("get", "/api/bank-accounts"),
    ("post", "/api/bank-accounts"),
    ("get", "/api/bank-accounts/{id}"),
    ("delete", "/api/bank-accounts/{id}"),
    ("post", "/api/bank-accounts/{id}/verify"),
    ("get", "/api/transactions"),
    ("get", "/api/transactions/summary"),
    ("post", "/api/transactions"),
    ("get", "/api/transactions/{id}"),
    ("patch", "/api/transactions/{id}"),
    ("delete", "/api/transactions/{id}"),
    ("post", "/api/transfers"),
    ("get", "/api/budgets"),
    ("post", "/api/budgets"),
    ("get", "/api/budgets/{id}"),
    ("patch", "/api/budgets/{id}"),
    ("delete", "/api/budgets/{id}"),
    ("get", "/api/imports"),
    ("post", "/api/imports"),
    ("get", "/api/imports/{id}"),
    ("get", "/api/imports/{id}/rows"),
    ("post", "/api/imports/{id}/mapping"),
    ("post", "/api/imports/{id}/commit"),
    ("post", "/api/imports/{id}/undo"),
    ("post", "/api/payments/webhooks"),
    ("get", "/api/categories"),
    ("post", "/api/categories"),
    ("patch", "/api/categories/{slug}"),
    ("delete", "/api/categories/{slug}"),
    ("get", "/api/rules"),
    ("post", "/api/rules"),
    ("get", "/api/rules/{id}"),
    ("patch", "/api/rules/{id}"),
    ("delete", "/api/rules/{id}"),
    ("post", "/api/rules/{id}/apply"),
    ("get", "/api/recurring"),
    ("patch", "/api/recurring/{id}"),
    ("get", "/api/alert-settings"),
    ("patch", "/api/alert-settings"),
    ("get", "/api/insights/spending"),
    ("get", "/api/insights/cashflow"),
    ("get", "/api/insights/net-worth"),
}


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_is_valid_openapi_3_1(spec):
    validate(spec)

    assert spec["openapi"].startswith("3.1")


def test_openapi_lists_every_endpoint_of_the_contract(spec):
    listed = {(method, path) for path, operations in spec["paths"].items() for method in operations}

    assert listed >= CONTRACT, sorted(CONTRACT - listed)


def test_openapi_describes_both_ways_to_authenticate(spec):
    schemes = spec["components"]["securitySchemes"]

    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_api_docs_page_is_for_signed_in_users(client, owner_client):
    anonymous = client.get("/api/docs")
    signed_in = owner_client.get("/api/docs")

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/sign-in?next=/api/docs")
    assert signed_in.status_code == 200 and b'data-url="/api/openapi.json"' in signed_in.content
