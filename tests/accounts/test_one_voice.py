"""One voice across the site: greetings, "e-mail", one date format, sentence-case headings (allauth's too),
one "Accounts" in the admin, a favicon at /favicon.ico and passkeys named for their device."""

import datetime
import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from tests.accounts.conftest import staff_sign_in
from tests.accounts.test_allauth_pages import ANONYMOUS_PAGES, SIGNED_IN_PAGES

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "accounts" / "locale" / "en" / "LC_MESSAGES"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


def visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style|head)\b[^>]*>.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def headings(page: str) -> list[str]:
    return [visible_text(h).strip() for h in re.findall(r"(?s)<h[1-3][^>]*>(.*?)</h[1-3]>", page)]


def title_case_words(heading: str) -> list[str]:
    """Capitalised words after the first, other than names (Ledgerly, Google, Polar, API...)."""
    names = {"Ledgerly", "Google", "Polar", "API", "I", "E-mail", "Off", "On"}
    words = re.findall(r"[A-Za-z][\w-]*", heading)[1:]
    return [word for word in words if word[0].isupper() and word not in names]


def make_transaction(user, day: datetime.date):
    from banking.services import bank_account_create, transaction_create

    account = bank_account_create(user=user, account_type="cash", nickname="Wallet")
    return transaction_create(
        user=user,
        bank_account=account,
        amount=1250,
        type="debit",
        transaction_date=day,
        description="Coffee beans",
    )


# --- Greeting ----------------------------------------------------------------------------------------------


def test_a_new_user_is_welcomed_not_welcomed_back(owner_client):
    page = visible_text(owner_client.get("/dashboard/").content.decode())

    assert "Welcome, Olive." in page
    assert "Welcome back" not in page


def test_a_user_with_accounts_is_welcomed_back(owner_client, owner):
    make_transaction(owner, timezone.localdate())

    page = visible_text(owner_client.get("/dashboard/").content.decode())

    assert "Welcome back, Olive." in page


# --- "e-mail" and sentence case ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_say_e_mail_and_use_sentence_case(client, path):
    page = client.get(path, follow=True).content.decode()

    assert not re.search(r"\bemails?\b", visible_text(page), re.IGNORECASE), path
    assert [h for h in headings(page) if title_case_words(h)] == []


@pytest.mark.parametrize(
    "path", [*SIGNED_IN_PAGES, "/dashboard/", "/dashboard/settings/tokens", "/dashboard/settings/billing"]
)
def test_signed_in_pages_say_e_mail_and_use_sentence_case(reauthenticated_client, path):
    page = reauthenticated_client.get(path).content.decode()

    assert not re.search(r"\bemails?\b", visible_text(page), re.IGNORECASE), path
    assert [h for h in headings(page) if title_case_words(h)] == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/2fa/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/webauthn/add/",
    ],
)
def test_two_factor_pages_with_an_authenticator_use_sentence_case(client, staff, path):
    staff_sign_in(client)
    client.post("/accounts/reauthenticate/", {"password": "correct-horse-battery-staple-42"})

    response = client.get(path)

    page = response.content.decode()
    assert response.status_code == 200, path
    assert [h for h in headings(page) if title_case_words(h)] == [], path
    assert "Two-Factor Authentication" not in page


def test_the_two_factor_sign_in_step_uses_sentence_case(client, staff):
    from tests.accounts.conftest import sign_in_post

    response = sign_in_post(client, "staff@example.com")
    page = client.get(response["Location"]).content.decode()

    assert "Two-factor authentication" in headings(page)


def test_flash_messages_say_e_mail():
    client = Client()
    client.post("/sign-up", {"name": "Nina", "email": "nina@example.com", "password1": "plum-kettle-harbour-77"})

    page = visible_text(client.get("/accounts/confirm-email/").content.decode())

    assert "We sent a confirmation e-mail to nina@example.com." in page


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (strings may run over several quoted lines)."""

    def joined(lines: str) -> str:
        return "".join(re.findall(r'"(.*)"', lines)).replace('\\"', '"').replace("\\n", "\n")

    pairs = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', path.read_text(), re.MULTILINE)
    return {joined(msgid): joined(msgstr) for msgid, msgstr in pairs if joined(msgid)}


def test_the_compiled_catalog_matches_its_source():
    compiled = gettext.GNUTranslations((CATALOG / "django.mo").open("rb"))._catalog

    assert {k: v for k, v in compiled.items() if k} == _po_entries(CATALOG / "django.po")


def test_the_catalog_rewords_only_allauths_strings():
    import allauth

    theirs = _po_entries(Path(allauth.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po")

    assert set(_po_entries(CATALOG / "django.po")) - set(theirs) == set()


# --- Dates ------------------------------------------------------------------------------------------------


def test_the_transaction_table_shows_the_sites_date_format(owner_client, owner):
    make_transaction(owner, datetime.date(2026, 11, 3))

    page = owner_client.get("/dashboard/transactions/").content.decode()

    assert ">3 Nov 2026<" in page
    assert "Nov 3, 2026" not in page


def test_settings_pages_show_dates_and_date_times_in_one_format(owner_client, owner):
    api_token_create(user=owner, name="Script", scope="read", expires_in_days=30, request=None)
    token_page = owner_client.get("/dashboard/settings/tokens").content.decode()
    security_page = owner_client.get("/dashboard/settings/security").content.decode()

    today = timezone.localdate()
    assert f"{today.day} {today:%b %Y}" in token_page
    assert re.search(r">\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}<", security_page)
    for page in (token_page, security_page):
        assert not re.search(r"\b[A-Z][a-z]{2,8} \d{1,2}, \d{4}\b", page)  # "Nov 30, 2026", "November 30, 2026"


# --- Admin, favicon, passkeys -----------------------------------------------------------------------------


def test_the_admin_index_has_one_accounts_section(client, staff):
    staff_sign_in(client)

    page = client.get("/admin/").content.decode()

    captions = [visible_text(c).strip() for c in re.findall(r"(?s)<caption>(.*?)</caption>", page)]
    assert captions.count("Accounts") == 1
    assert "Users and security" in captions


def test_favicon_ico_leads_to_the_svg_icon(client):
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")
    assert finders.find("img/favicon.svg")


def test_a_new_passkey_is_named_for_the_device(reauthenticated_client):
    page = reauthenticated_client.get("/accounts/2fa/webauthn/add/", headers={"User-Agent": IPHONE})

    assert 'value="Passkey on iPhone"' in page.content.decode()
    assert "Master key" not in page.content.decode()


def test_a_second_passkey_on_the_same_device_gets_a_number(owner):
    from allauth.core.context import request_context
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    Authenticator.objects.create(user=owner, type=Authenticator.Type.WEBAUTHN, data={"name": "Passkey on iPhone"})

    with request_context(RequestFactory(HTTP_USER_AGENT=IPHONE).get("/accounts/2fa/webauthn/add/")):
        name = get_adapter().generate_authenticator_name(owner, Authenticator.Type.WEBAUTHN)

    assert name == "Passkey on iPhone (2)"
