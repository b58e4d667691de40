import json
import logging

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore

from accounts.models import AuditEvent
from saas.logging import JsonFormatter
from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db


def test_sign_in_page_labels_email_and_password(client):
    html = client.get("/sign-in").content.decode()

    assert '<label for="id_login">E-mail</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert ">Sign in</button>" in html


def test_correct_password_signs_in_and_goes_to_the_dashboard(client, owner):
    response = sign_in_post(client, "owner@example.com")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/api/auth/session").json()["user"]["id"] == str(owner.pk)


def test_email_is_matched_without_regard_to_case(client, owner):
    response = sign_in_post(client, "Owner@Example.COM")

    assert response["Location"] == "/dashboard/"


def test_sign_in_follows_a_safe_next_url(client, owner):
    response = sign_in_post(client, "owner@example.com", next="/dashboard/budgets/")

    assert response["Location"] == "/dashboard/budgets/"


def test_sign_in_ignores_an_offsite_next_url(client, owner):
    response = sign_in_post(client, "owner@example.com", next="https://evil.example/")

    assert response["Location"] == "/dashboard/"


def test_wrong_password_says_so_and_signs_nobody_in(client, owner):
    response = sign_in_post(client, "owner@example.com", password="not-my-password-1")

    assert response.status_code == 200
    assert "The e-mail address or the password is not correct." in response.content.decode()
    assert client.get("/api/auth/session").json()["user"] is None


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, owner):
    response = sign_in_post(client, "nobody@example.com", password="not-my-password-1")

    assert "The e-mail address or the password is not correct." in response.content.decode()


def test_session_key_changes_at_sign_in(client, owner):
    client.get("/sign-in")
    client.session.save()
    before = client.session.session_key

    sign_in_post(client, "owner@example.com")

    assert client.session.session_key != before


def test_session_cookie_is_httponly_and_samesite(client, owner):
    response = sign_in_post(client, "owner@example.com")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_keep_me_signed_in_makes_a_persistent_session(client, owner):
    sign_in_post(client, "owner@example.com", remember="on")

    assert client.session.get_expire_at_browser_close() is False


def test_without_keep_me_signed_in_the_session_ends_with_the_browser(client, owner):
    sign_in_post(client, "owner@example.com")

    assert client.session.get_expire_at_browser_close() is True


def test_sign_out_needs_a_post(owner_client):
    response = owner_client.get("/sign-out")

    assert response.status_code == 200
    assert owner_client.get("/api/auth/session").json()["user"] is not None


def test_sign_out_ends_the_session_on_the_server(client, owner):
    sign_in_post(client, "owner@example.com")
    session_key = client.session.session_key

    response = client.post("/sign-out")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert SessionStore().exists(session_key) is False
    assert client.get("/dashboard/")["Location"] == "/sign-in?next=/dashboard/"


def test_sign_in_sign_out_and_failure_are_audited(client, owner):
    sign_in_post(client, "owner@example.com", password="not-my-password-1")
    sign_in_post(client, "owner@example.com")
    client.post("/sign-out")

    actions = list(AuditEvent.objects.filter(user=owner).order_by("id").values_list("action", flat=True))
    assert actions == ["auth.sign_in_failed", "auth.signed_in", "auth.signed_out"]
    signed_in = AuditEvent.objects.get(user=owner, action="auth.signed_in")
    assert signed_in.details == {"provider": "email"}
    assert signed_in.ip_address == "127.0.0.1"
    assert signed_in.request_id


def test_failed_sign_in_for_an_unknown_email_is_audited_without_a_user(client):
    sign_in_post(client, "nobody@example.com", password="not-my-password-1")

    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.user is None
    assert event.details == {}


def test_sign_in_writes_a_json_log_line_with_user_id_and_provider_but_no_email(client, owner, caplog):
    with caplog.at_level(logging.INFO):
        sign_in_post(client, "owner@example.com")

    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    sign_ins = [line for line in lines if line.get("event") == "sign_in"]
    assert len(sign_ins) == 1
    assert sign_ins[0]["user_id"] == str(owner.pk)
    assert sign_ins[0]["provider"] == "email"
    assert "owner@example.com" not in json.dumps(lines)


def test_signed_in_user_opening_sign_in_goes_to_the_dashboard(owner_client):
    assert owner_client.get("/sign-in")["Location"] == "/dashboard/"


def test_allauth_links_and_redirects_use_our_sign_in_and_sign_up_paths(client):
    from django.urls import reverse

    assert reverse("account_login") == "/sign-in"
    assert reverse("account_signup") == "/sign-up"
    assert reverse("account_logout") == "/sign-out"
    assert client.get("/accounts/login/?next=/dashboard/")["Location"] == "/sign-in?next=/dashboard/"
    assert client.get("/accounts/signup/")["Location"] == "/sign-up"


def test_password_reset_link_is_sent_and_sets_a_new_password(client, owner):
    from tests.accounts.helpers import last_mail_to, links_in

    client.post("/accounts/password/reset/", {"email": "owner@example.com"})
    link = next(x for x in links_in(last_mail_to("owner@example.com")) if "/password/reset/key/" in x)
    path = link.replace("http://testserver", "")
    form_page = client.get(path)  # allauth moves the key into the session and redirects
    new_password = "fresh-meadow-lantern-93"
    response = client.post(form_page["Location"], {"password1": new_password, "password2": new_password})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(new_password)
    assert AuditEvent.objects.filter(user=owner, action="password.reset").exists()
