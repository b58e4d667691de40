"""Every link in every e-mail is on APP_URL, whatever Host the request that sent it named.

Each mail is sent through the real flow, from a browser whose requests name a foreign host that the site
allows (a second domain, a load balancer's address): a link built from the request would point there.
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client, RequestFactory

from tests.accounts import google
from tests.accounts.helpers import confirmation_path, last_mail_to, links_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

APP_URL = "https://ledgerly.example"
FOREIGN_HOST = "other-host.example"
NEW_PASSWORD = "fresh-meadow-lantern-93"


@pytest.fixture(autouse=True)
def _foreign_host_allowed(settings):
    settings.APP_URL = APP_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, FOREIGN_HOST]


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_HOST=FOREIGN_HOST)


@pytest.fixture
def signed_in(owner) -> Client:
    client = Client(HTTP_HOST=FOREIGN_HOST)
    client.force_login(owner)
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def everything_in(message) -> str:
    return "\n".join([message.subject, message.body, *(str(body) for body, _ in getattr(message, "alternatives", []))])


def assert_links_on_app_url(message) -> None:
    text = everything_in(message)
    links = re.findall(r"https?://[^\s\"'<>]+", text)
    assert links, f"{message.subject!r} has no link"
    assert all(link == APP_URL or link.startswith(f"{APP_URL}/") for link in links), links
    assert FOREIGN_HOST not in text


def reset_password(client: Client, address: str) -> None:
    client.post("/accounts/password/reset/", {"email": address})
    link = next(x for x in links_in(last_mail_to(address)) if "/password/reset/key/" in x)
    form_page = client.get(urlsplit(link).path)
    client.post(form_page["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def test_sign_up_confirmation(browser):
    browser.post("/sign-up", {"name": "Nina", "email": "nina@example.com", "password1": PASSWORD})

    message = last_mail_to("nina@example.com")
    assert "/accounts/confirm-email/" in message.body
    assert_links_on_app_url(message)


def test_account_already_exists(browser, owner):
    browser.post("/sign-up", {"name": "Mallory", "email": "owner@example.com", "password1": PASSWORD})

    message = last_mail_to("owner@example.com")
    assert "You already have an account" in message.body
    assert_links_on_app_url(message)


def test_password_reset_link(browser, owner):
    browser.post("/accounts/password/reset/", {"email": "owner@example.com"})

    message = last_mail_to("owner@example.com")
    assert "/accounts/password/reset/key/" in message.body
    assert_links_on_app_url(message)


def test_unknown_account(browser):
    browser.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    message = last_mail_to("nobody@example.com")
    assert f"{APP_URL}/sign-up" in message.body
    assert_links_on_app_url(message)


def test_password_reset_notice(browser, owner):
    reset_password(browser, "owner@example.com")

    message = last_mail_to("owner@example.com")
    assert message.subject == "[Ledgerly] Your password was reset"
    assert_links_on_app_url(message)


def test_password_changed_notice(signed_in, owner):
    signed_in.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    message = last_mail_to("owner@example.com")
    assert message.subject == "[Ledgerly] Your password was changed"
    assert_links_on_app_url(message)


def test_email_change_confirmation_and_notice(signed_in, owner):
    signed_in.post("/accounts/email/", {"action_add": "", "email": "olive@example.net"})
    confirmation = last_mail_to("olive@example.net")
    signed_in.post(confirmation_path("olive@example.net"))

    notice = last_mail_to("owner@example.com")
    assert notice.subject == "[Ledgerly] Your e-mail address was changed"
    for message in (confirmation, notice):
        assert_links_on_app_url(message)


NOTICES = [
    ("mfa/email/totp_activated", {}),
    ("mfa/email/totp_deactivated", {}),
    ("mfa/email/recovery_codes_generated", {}),
    ("mfa/email/webauthn_added", {}),
    ("mfa/email/webauthn_removed", {}),
    ("account/email/password_set", {}),
    ("account/email/email_confirm", {}),
    ("account/email/email_deleted", {"deleted_email": "old@example.com"}),
]


@pytest.mark.parametrize(("template", "context"), NOTICES, ids=[t for t, _ in NOTICES])
def test_security_notice(owner, template, context):
    """The notices allauth sends from flows this suite drives elsewhere, sent as allauth sends them."""
    request = RequestFactory(HTTP_HOST=FOREIGN_HOST).post("/")
    with request_context(request):
        get_adapter().send_notification_mail(template, owner, context)

    assert_links_on_app_url(mail.outbox[-1])


@pytest.mark.parametrize("template", ["account_connected", "account_disconnected"])
def test_google_notices(owner, template, settings):
    settings.SOCIALACCOUNT_PROVIDERS = google.provider_settings()
    account = SocialAccount(user=owner, provider="google", uid="1")
    request = RequestFactory(HTTP_HOST=FOREIGN_HOST).post("/")
    with request_context(request):
        get_adapter().send_notification_mail(
            f"socialaccount/email/{template}", owner, {"account": account, "provider": account.get_provider()}
        )

    message = mail.outbox[-1]
    assert "Google" in message.subject
    assert_links_on_app_url(message)
