"""Insights in a real browser: a subscriber's charts and tables at phone and desktop widths with no console
error or CSP violation (the page fixture fails the test on either); the upsell for a free user."""

import re

import pytest
from playwright.sync_api import expect

from tests.banking.test_insights import make_history, months_back
from tests.browser.test_billing import signed_in, subscribe


@pytest.mark.parametrize("width", [390, 1280])
def test_subscriber_sees_charts_and_tables(page, live_server, owner, width):
    make_history(owner)
    subscribe(owner)
    signed_in(page, live_server, owner)
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"/dashboard/insights/?from={months_back(3)}")

    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Insights")).to_have_attribute("aria-current", "page")
    expect(page.locator("svg.insights-chart")).to_have_count(3)
    for name in ("Spending by category", "Cash flow", "Net worth", "Top merchants", "Largest transactions"):
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.locator(".insights-legend").first).to_contain_text("Dining +38%")
    expect(page.get_by_role("table").first).to_contain_text("$55.20")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    chart = page.locator("svg.insights-chart").first.bounding_box()
    assert chart["width"] >= min(width - 80, 300)  # drawn at the phone's width, never a thumbnail


def test_range_picker_and_currency_switcher(page, live_server, owner):
    make_history(owner)
    subscribe(owner)
    signed_in(page, live_server, owner)
    page.goto("/dashboard/insights/")

    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("From", exact=True).fill(str(months_back(3)))
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"currency=EUR"))
    expect(page.get_by_role("table").first).to_contain_text("€25.00")
    page.get_by_label("From", exact=True).fill("2025-03-01")
    page.get_by_label("To", exact=True).fill("2025-02-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The start date is after the end date")).to_be_visible()
    # The form error is a 400, as on the history page, and Chromium logs every 4xx page it loads.
    expected = "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    page.problems[:] = [problem for problem in page.problems if problem != expected]


def test_free_user_sees_the_upsell(page, live_server, owner):
    make_history(owner)
    signed_in(page, live_server, owner)

    page.goto("/dashboard/insights/")

    expect(page.get_by_role("heading", name="Unlock insights")).to_be_visible()
    expect(page.get_by_text("Sample", exact=True)).to_have_count(1)
    expect(page.get_by_text("Safeway")).to_have_count(0)
    page.get_by_role("button", name="See plans").or_(page.get_by_role("link", name="See plans")).click()
    expect(page).to_have_url(re.compile(r"/pricing$"))
