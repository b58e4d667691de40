"""The per-account lockout (5 wrong passwords lock the account for 5 minutes) cannot be turned on its owner.

A stranger who knows the address can still lock out strangers, but not the owner: a browser that signed in
to the account before (it carries a signed device cookie) and a successful password reset get through.
"""

from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from accounts import devices
from tests.accounts.conftest import sign_in_post
from tests.accounts.helpers import last_mail_to, links_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts for this account."
NEW_PASSWORD = "fresh-meadow-lantern-93"


def lock_out(address: str) -> None:
    """Five wrong passwords from a stranger's browser, on another network."""
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(5):
        sign_in_post(stranger, address, password="not-my-password-1")
    assert LOCKED in sign_in_post(stranger, address).content.decode()


def signed_in(client: Client) -> bool:
    return client.get("/api/auth/session").json()["user"] is not None


@pytest.fixture
def owners_laptop(owner) -> Client:
    """A browser the owner signed in with before, then signed out of."""
    laptop = Client()
    assert sign_in_post(laptop, "owner@example.com").status_code == 302
    laptop.post("/sign-out")
    assert not signed_in(laptop)
    return laptop


def test_a_browser_that_never_signed_in_is_locked_out(owner):
    lock_out("owner@example.com")

    response = sign_in_post(Client(), "owner@example.com")

    assert LOCKED in response.content.decode()


def test_the_owners_browser_signs_in_while_a_stranger_locks_the_account(owners_laptop):
    lock_out("owner@example.com")

    response = sign_in_post(owners_laptop, "owner@example.com")

    assert response.status_code == 302
    assert signed_in(owners_laptop)


def test_a_successful_password_reset_lifts_the_lock(owner):
    lock_out("owner@example.com")
    browser = Client()
    browser.post("/accounts/password/reset/", {"email": "owner@example.com"})
    link = next(x for x in links_in(last_mail_to("owner@example.com")) if "/password/reset/key/" in x)
    form_page = browser.get(urlsplit(link).path)
    browser.post(form_page["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = sign_in_post(browser, "owner@example.com", password=NEW_PASSWORD)

    assert response.status_code == 302
    assert signed_in(browser)


def test_the_owners_browser_is_limited_on_its_own(owners_laptop):
    for _ in range(5):
        sign_in_post(owners_laptop, "owner@example.com", password="not-my-password-1")

    assert LOCKED in sign_in_post(owners_laptop, "owner@example.com").content.decode()
    # Its failures are its own: another browser that knows the password is not locked out by them.
    assert sign_in_post(Client(), "owner@example.com").status_code == 302


def test_a_browser_known_to_another_account_is_locked_out_of_this_one(owner, outsider):
    browser = Client()
    sign_in_post(browser, "outsider@example.com")
    browser.post("/sign-out")
    lock_out("owner@example.com")

    response = sign_in_post(browser, "owner@example.com")

    assert LOCKED in response.content.decode()


def test_a_forged_device_cookie_is_not_recognised(owner):
    forged = Client()
    forged.cookies[devices.COOKIE_NAME] = signing.dumps(
        {"device": "forged", "accounts": [devices.account_token(owner.pk)]},
        key="not-the-secret-key",
        salt=devices.COOKIE_SALT,
    )
    lock_out("owner@example.com")

    assert LOCKED in sign_in_post(forged, "owner@example.com").content.decode()


def test_the_device_cookie_is_signed_http_only_and_lasts_a_year(owner):
    browser = Client()

    response = sign_in_post(browser, "owner@example.com")

    cookie = response.cookies[devices.COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60
    assert str(owner.pk) not in cookie.value and owner.email not in cookie.value


def test_a_wrong_password_sets_no_device_cookie(owner):
    response = sign_in_post(Client(), "owner@example.com", password="not-my-password-1")

    assert devices.COOKIE_NAME not in response.cookies


def test_one_browser_remembers_every_account_it_signed_in_to(owner, outsider):
    browser = Client()
    for address in ("owner@example.com", "outsider@example.com"):
        sign_in_post(browser, address)
        browser.post("/sign-out")
    lock_out("owner@example.com")
    lock_out("outsider@example.com")

    for address in ("owner@example.com", "outsider@example.com"):
        assert sign_in_post(browser, address).status_code == 302, address
        browser.post("/sign-out")


def test_a_known_browser_still_needs_the_right_password(owners_laptop, owner):
    lock_out("owner@example.com")

    response = sign_in_post(owners_laptop, "owner@example.com", password="not-my-password-1")

    assert response.status_code == 200
    assert "The e-mail address or the password is not correct." in response.content.decode()
    assert not signed_in(owners_laptop)


def test_an_unknown_address_gives_no_device_anything(owners_laptop):
    make_user("third@example.com")
    lock_out("third@example.com")

    assert LOCKED in sign_in_post(owners_laptop, "third@example.com").content.decode()
