"""Accounts as a new user meets them, in a real browser: sign-up, e-mail link, sign in and out, 2FA, sessions."""

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from PIL import Image

from accounts.models import User
from tests.accounts.helpers import confirmation_path, totp_code
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def olive(db):
    return make_user("olive@example.com", name="Olive Owner")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_sign_up_open_the_emailed_link_and_land_on_the_dashboard(page):
    page.goto("/sign-up")
    page.get_by_label("Name").fill("Nina New")
    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_label("Password").fill("plum-kettle-harbour-77")
    page.get_by_role("button", name="Create account").click()

    page.get_by_role("heading", name="Check your inbox").wait_for()
    page.goto(confirmation_path("nina@example.com"))
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/dashboard/")
    assert "Welcome, Nina" in page.content()  # a brand-new user is not welcomed back


def test_sign_out_and_sign_in_again(page, olive):
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/dashboard/")
    page.wait_for_url("**/sign-in?next=/dashboard/")

    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")


def test_a_wrong_password_says_so(page, olive):
    sign_in(page, "olive@example.com", "not-my-password-1")

    assert page.get_by_role("alert").inner_text() == "The e-mail address or the password is not correct."
    assert page.url.endswith("/sign-in")


def test_enrol_totp_and_sign_in_with_a_code(page, olive):
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/settings/security")
    page.get_by_role("link", name="Set up").click()

    # allauth asks for the password again before a two-factor change.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.get_by_role("heading", name="Recovery Codes").wait_for()
    assert Authenticator.objects.filter(user__email="olive@example.com", type="totp").exists()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    sign_in(page, "olive@example.com", PASSWORD)
    page.get_by_label("Code").fill(totp_code(secret, step_offset=1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def test_end_another_session_and_that_device_is_signed_out(page, browser, live_server, olive):
    other = browser.new_context(base_url=live_server.url)
    other_page = other.new_page()
    try:
        sign_in(other_page, "olive@example.com", PASSWORD)
        other_page.wait_for_url("**/dashboard/")
        sign_in(page, "olive@example.com", PASSWORD)
        page.wait_for_url("**/dashboard/")

        page.goto("/dashboard/settings/sessions")
        assert page.get_by_text("This device").count() == 1
        page.get_by_role("button", name=re.compile("^End the session")).click()
        page.get_by_text("That session is signed out.").wait_for()

        other_page.reload()
        other_page.wait_for_url("**/sign-in?next=/dashboard/")
    finally:
        other.close()


def test_change_the_name_and_upload_a_picture(page, olive):
    buffer = io.BytesIO()
    Image.new("RGB", (80, 80), (20, 120, 90)).save(buffer, format="PNG")
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/settings/")

    page.get_by_label("Name").fill("Olive Oyl")
    page.get_by_label("Picture").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
    )
    page.get_by_role("button", name="Save profile").click()

    page.get_by_text("Your profile is saved.").wait_for()
    assert page.get_by_label("Name").input_value() == "Olive Oyl"
    # decode() waits for the picture to load (0 when it cannot be loaded or decoded).
    width = page.get_by_alt_text("Your picture").evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert width == 80


def test_delete_the_account_after_confirming_the_password(page, olive):
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/settings/data")

    page.get_by_label("Type your e-mail address to confirm").fill("olive@example.com")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_text("Your account and all its data are deleted.").wait_for()
    assert not User.objects.filter(email="olive@example.com").exists()


def test_download_the_data_export(page, olive):
    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/settings/data")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()

    assert download_info.value.suggested_filename.startswith("ledgerly-export-")


def test_passkey_scripts_load_under_the_csp(page, olive):
    page.goto("/sign-in")
    assert page.evaluate("typeof window.allauth.webauthn.forms.loginForm") == "function"

    sign_in(page, "olive@example.com", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto("/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="Add a passkey or security key").wait_for()
    assert page.evaluate("typeof window.webauthnJSON.create") == "function"
    assert page.get_by_role("button", name="Add").is_visible()
