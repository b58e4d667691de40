"""Personal API tokens in a real browser: create one (confirming the password), see it once, use it from
a script outside the browser, revoke it, and see the script refused."""

import hashlib
import json
import re
import urllib.error
import urllib.request

import pytest

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def olive(db):
    return make_user("olive@example.com", name="Olive Owner")


def call_api(url: str, raw: str) -> tuple[int, dict]:
    """What a script outside the browser gets: no cookies, only the token."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {raw}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_create_a_token_see_it_once_and_revoke_it(page, olive, live_server):
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/settings/")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/dashboard/settings/tokens")

    page.get_by_label("Name").fill("Budget script")
    page.get_by_label("Read and write").check()
    page.get_by_label("Expires").select_option(label="In 30 days")
    page.get_by_role("button", name="Create token").click()

    # allauth asks for the password again, then finishes the creation.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your new token “Budget script”").wait_for()
    raw = page.get_by_label("API token", exact=True).input_value()
    assert re.fullmatch(r"lgy_[a-z0-9]{12}_[A-Za-z0-9]{40}", raw)
    token = ApiToken.objects.get(user=olive)
    assert token.scope == "write"
    assert token.secret_hash == hashlib.sha256(raw.rsplit("_", 1)[1].encode()).hexdigest()
    assert page.get_by_text("Copy it now: you will not see it again.").is_visible()
    status, body = call_api(f"{live_server.url}/api/bank-accounts", raw)
    assert status == 200 and body == {"bank_accounts": [], "next_cursor": None}

    page.goto("/dashboard/settings/tokens")
    assert raw not in page.content()
    row = page.get_by_role("row").filter(has_text="Budget script")
    assert "Active" in row.inner_text() and f"{token.prefix}…" in row.inner_text()

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke the token Budget script").click()
    page.get_by_text("“Budget script” is revoked").wait_for()
    row = page.get_by_role("row").filter(has_text="Budget script")
    assert "Revoked" in row.inner_text()
    assert row.get_by_role("button").count() == 0
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    status, body = call_api(f"{live_server.url}/api/bank-accounts", raw)
    assert status == 401 and body["error"] == "unauthorized"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_tokens_page_fits_the_screen(page, olive, width):
    for name in ("Home server", "A rather long name for the nightly budget export script"):
        api_token_create(user=olive, name=name, scope="read", expires_in_days=90, request=None)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.goto("/dashboard/settings/tokens")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    revoke = page.get_by_role("button", name="Revoke the token Home server")
    box = revoke.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    # On a phone each token is a block of labelled lines; on a desktop, one table row.
    row_display = page.evaluate("getComputedStyle(document.querySelector('table.api-tokens tbody tr')).display")
    assert row_display == ("table-row" if width == 1280 else "block")
