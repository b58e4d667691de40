"""The API reference page in a real browser: Swagger UI renders the OpenAPI description under the CSP."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_api_docs_render_every_endpoint_without_console_errors(page, width):
    make_user("dora@example.com", name="Dora Developer")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "dora@example.com", PASSWORD)

    page.goto("/api/docs")
    page.locator(".opblock").first.wait_for()

    text = page.locator("#swagger-ui").inner_text()
    for path in ("/api/bank-accounts", "/api/transactions", "/api/transfers", "/api/budgets", "/api/health"):
        assert path in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The page fixture fails the test on any console error, page error or CSP violation.
