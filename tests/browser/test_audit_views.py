"""The audit log's two views in a real browser, on a phone and on a desktop."""

import pytest

from accounts.audit import audit_log
from tests.banking.conftest import add_transaction, make_account
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def olive(db):
    user = make_user("olive@example.com", name="Olive Owner")
    account = make_account(user, nickname="Everyday spending account with a long nickname")
    for n in range(3):
        add_transaction(user, account, description=f"Corner cafe on the high street, visit {n}")
    audit_log(action="mfa.added", user=user, details={"type": "totp"})
    return user


@pytest.mark.parametrize("width", [390, 1280])
def test_activity_and_security_fit_the_screen(page, olive, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.get_by_role("link", name="Settings").first.click()
    page.get_by_role("navigation", name="Settings sections").get_by_role("link", name="Activity").click()
    page.wait_for_url("**/dashboard/settings/activity")
    rows = page.locator(".audit-list li")
    assert rows.first.inner_text().startswith("Added a transaction")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="Security", exact=True).first.click()
    page.get_by_role("heading", name="Security activity").wait_for()
    assert "Added two-factor authentication" in page.locator(".audit-list").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
