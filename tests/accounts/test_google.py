import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.adapter import SocialAccountAdapter
from accounts.models import AuditEvent, User
from saas.logging import JsonFormatter
from tests.accounts import google

pytestmark = pytest.mark.django_db

PROFILE = {
    "sub": "109876543210987654321",
    "email": "grace@gmail.com",
    "email_verified": True,
    "name": "Grace Hopper",
    "given_name": "Grace",
    "family_name": "Hopper",
    "picture": "https://lh3.googleusercontent.com/a/grace-photo",
}


@pytest.fixture
def google_configured(settings):
    settings.GOOGLE_CLIENT_ID = google.CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = google.CLIENT_SECRET
    settings.SOCIALACCOUNT_PROVIDERS = google.provider_settings()


def start(client) -> dict:
    """Press "Continue with Google": allauth answers with a redirect to Google's consent screen."""
    response = client.post("/accounts/google/login/", {"process": "login"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://accounts.google.com/o/oauth2/v2/auth"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def finish(client, monkeypatch, params: dict, profile: dict, *, code: str = "good-code"):
    """Google sends the browser back with a code; allauth exchanges it through the (fake) network."""
    fake = google.FakeGoogle(profile, expected_challenge=params.get("code_challenge"))
    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", google.session_factory(fake))
    response = client.get("/accounts/google/login/callback/", {"code": code, "state": params["state"]})
    return response, fake


def test_google_button_is_hidden_when_google_is_not_configured(client):
    assert b"Continue with Google" not in client.get("/sign-in").content
    assert b"Continue with Google" not in client.get("/sign-up").content


def test_google_button_is_a_post_form_when_configured(client, google_configured):
    html = client.get("/sign-in").content.decode()

    assert '<form method="post" action="/accounts/google/login/?process=login"' in html
    assert "Continue with Google" in html


def test_redirect_to_google_carries_state_pkce_and_our_callback(client, google_configured):
    params = start(client)

    assert params["client_id"] == google.CLIENT_ID
    assert params["redirect_uri"] == "http://testserver/accounts/google/login/callback/"
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] and params["state"]
    assert set(params["scope"].split()) == {"profile", "email"}


def test_new_google_user_is_signed_up_with_name_picture_and_verified_email(client, google_configured, monkeypatch):
    response, fake = finish(client, monkeypatch, start(client), PROFILE)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(email="grace@gmail.com")
    assert user.name == "Grace Hopper"
    assert user.image == "https://lh3.googleusercontent.com/a/grace-photo"
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified is True
    assert SocialAccount.objects.get(user=user).uid == PROFILE["sub"]
    assert client.get("/api/auth/session").json()["user"]["image"] == PROFILE["picture"]
    assert [r.url for r in fake.requests] == [google.TOKEN_URL]


def test_google_sign_in_is_audited_and_logged_with_the_provider(client, google_configured, monkeypatch, caplog):
    with caplog.at_level(logging.INFO):
        finish(client, monkeypatch, start(client), PROFILE)

    user = User.objects.get(email="grace@gmail.com")
    assert AuditEvent.objects.get(user=user, action="auth.signed_in").details == {"provider": "google"}
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "accounts.auth"]
    assert lines[0]["provider"] == "google" and lines[0]["user_id"] == str(user.pk)
    assert "grace@gmail.com" not in json.dumps(lines)


def test_google_user_with_the_verified_email_of_an_existing_user_joins_that_user(
    client, google_configured, monkeypatch, owner
):
    profile = {**PROFILE, "email": "owner@example.com", "name": "Olive G."}

    response, _ = finish(client, monkeypatch, start(client), profile)

    assert response["Location"] == "/dashboard/"
    assert User.objects.filter(email="owner@example.com").count() == 1
    assert SocialAccount.objects.get(provider="google").user == owner
    owner.refresh_from_db()
    assert owner.name == "Olive Owner"  # their own name stays
    assert owner.image == PROFILE["picture"]  # the picture fills the empty one
    assert owner.has_usable_password()
    assert client.get("/api/auth/session").json()["user"]["id"] == str(owner.pk)


def test_a_second_google_sign_in_reuses_the_connected_account(client, google_configured, monkeypatch):
    finish(client, monkeypatch, start(client), PROFILE)
    client.post("/sign-out")

    response, _ = finish(client, monkeypatch, start(client), PROFILE)

    assert response["Location"] == "/dashboard/"
    assert User.objects.count() == 1


def test_a_forged_state_is_refused_with_our_error_page(client, google_configured, monkeypatch):
    params = {**start(client), "state": "forged-state"}

    response, fake = finish(client, monkeypatch, params, PROFILE)

    assert response.status_code == 401
    assert b"Sign-in with Google did not work" in response.content
    assert fake.requests == []
    assert not User.objects.exists()


def test_a_code_google_rejects_signs_nobody_in(client, google_configured, monkeypatch):
    response, _ = finish(client, monkeypatch, start(client), PROFILE, code="bad-code")

    assert b"Sign-in with Google did not work" in response.content
    assert not User.objects.exists()
