import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_landing_page_explains_the_product_without_browser_errors(page):
    page.goto("/")

    assert page.title().startswith("Your money, in one clear place")
    assert page.get_by_role("heading", level=1).inner_text() == "Your money, in one clear place."
    assert page.get_by_role("button", name="See pricing").get_attribute("href") == "/pricing"
    # The stylesheet loaded (Pico sets the body font) and the page script ran under the CSP.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    assert page.evaluate("document.styleSheets.length") >= 2


def test_anonymous_dashboard_visit_lands_on_sign_in(page):
    page.goto("/dashboard/")

    assert page.url.endswith("/sign-in?next=/dashboard/")
