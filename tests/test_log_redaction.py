"""No one-time key reaches a log line: the links of a password reset and an e-mail confirmation, followed
through the real allauth views, leave only `…` where the key was (INTERFACE, "Logs")."""

import json
import logging
from urllib.parse import urlsplit

import pytest
from django.test import Client

from saas.logging import JsonFormatter
from saas.redaction import redact_path
from tests.accounts.helpers import confirmation_path, last_mail_to, links_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines(caplog):
    """Every log line of the test as the JSON formatter writes it, decoded (so `…` reads as itself)."""
    caplog.set_level(logging.DEBUG)
    formatter = JsonFormatter()
    return lambda: "\n".join(str(json.loads(formatter.format(record))) for record in caplog.records)


def test_password_reset_key_never_reaches_the_log(client, log_lines):
    make_user("owner@example.com")
    client.post("/accounts/password/reset/", {"email": "owner@example.com"})
    link = next(link for link in links_in(last_mail_to("owner@example.com")) if "/reset/key/" in link)
    key = urlsplit(link).path.rstrip("/").rsplit("-", 1)[-1]

    form = client.get(urlsplit(link).path, follow=True)
    done = client.post(
        form.redirect_chain[-1][0], {"password1": "a-new-long-passphrase-9", "password2": "a-new-long-passphrase-9"}
    )

    assert done.status_code == 302
    assert len(key) > 10 and key not in log_lines()
    assert "/accounts/password/reset/key/" in log_lines() and "…" in log_lines()


def test_email_confirmation_key_never_reaches_the_log(log_lines):
    client = Client()
    client.post("/sign-up", {"name": "Nina", "email": "nina@example.com", "password1": "plum-kettle-harbour-77"})
    path = confirmation_path("nina@example.com")
    key = path.rstrip("/").rsplit("/", 1)[-1]

    client.get(path)
    client.post(path)

    assert len(key) > 10 and key not in log_lines()
    assert "/accounts/confirm-email/…/" in log_lines()


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/accounts/confirm-email/MTIz:1uXyz:abcDEF/", "/accounts/confirm-email/…/"),
        ("/accounts/password/reset/key/2s-cz3b1d-0a1b2c3d4e5f/", "/accounts/password/reset/key/2s-…/"),
        ("/accounts/password/reset/key/2s-set-password/", "/accounts/password/reset/key/2s-set-password/"),
        ("/accounts/password/reset/key/done/", "/accounts/password/reset/key/done/"),
        ("/dashboard/", "/dashboard/"),
    ],
)
def test_redact_path_replaces_only_keys(path, logged):
    assert redact_path(path) == logged


def written_by_the_site(records) -> str:
    """The records as the site's stdout handler writes them (its filters, then its formatter), decoded."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "stdout"]
    return "\n".join(str(json.loads(handler.format(record))) for record in records if handler.filter(record))


def test_a_csrf_failure_on_a_keyed_path_logs_no_key(caplog):
    # Django's own warning names the path and carries the request: the key goes whichever logger writes.
    path = "/accounts/confirm-email/MTIz:1uXyz:abcDEFsecretkey/"
    caplog.set_level(logging.WARNING, logger="django.security.csrf")

    response = Client(enforce_csrf_checks=True).post(path)

    assert response.status_code == 403
    assert any(record.name == "django.security.csrf" for record in caplog.records)
    written = written_by_the_site(caplog.records)
    assert "abcDEFsecretkey" not in written and "/accounts/confirm-email/…/" in written


def test_a_server_error_on_a_keyed_path_logs_no_key(caplog, monkeypatch):
    # django.request's error line names the path and carries the request.
    from allauth.account.views import ConfirmEmailView

    def broken(*args, **kwargs):
        raise RuntimeError("the confirmation broke")

    monkeypatch.setattr(ConfirmEmailView, "get", broken)
    caplog.set_level(logging.ERROR, logger="django.request")

    response = Client(raise_request_exception=False).get("/accounts/confirm-email/MTIz:1uXyz:abcDEFsecretkey/")

    assert response.status_code == 500
    assert any(record.name == "django.request" for record in caplog.records)
    written = written_by_the_site(caplog.records)
    assert "abcDEFsecretkey" not in written and "/accounts/confirm-email/…/" in written
