import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import AuditEvent, User
from tests.accounts.helpers import last_mail_to, links_in

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "plum-kettle-harbour-77"


def sign_up(client, *, name="Nina New", email="nina@example.com", password=STRONG_PASSWORD):
    return client.post("/sign-up", {"name": name, "email": email, "password1": password})


def test_sign_up_creates_an_unverified_user_with_name_and_sends_the_link(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="nina@example.com")
    assert user.name == "Nina New"
    assert user.check_password(STRONG_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified is False
    message = last_mail_to("nina@example.com")
    assert message.subject == "[Ledgerly] Confirm your e-mail address"
    assert any(link.startswith("http://testserver/accounts/confirm-email/") for link in links_in(message))
    assert AuditEvent.objects.filter(user=user, action="auth.signed_up").exists()


def test_sign_up_does_not_sign_in_before_the_address_is_verified(client):
    sign_up(client)

    assert client.get("/api/auth/session").json() == {"user": None, "session": None}


def test_confirmation_link_uses_app_url_not_the_request_host(client, settings):
    settings.APP_URL = "https://ledgerly.example"

    sign_up(client, email="host@example.com")

    links = links_in(last_mail_to("host@example.com"))
    assert any(link.startswith("https://ledgerly.example/accounts/confirm-email/") for link in links)


def test_taken_email_looks_like_success_and_mails_the_owner_instead(client, owner):
    response = sign_up(client, email="OWNER@example.com", name="Mallory")

    # The same answer as a fresh sign-up: nobody learns that the address has an account.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email__iexact="owner@example.com").count() == 1
    assert User.objects.get(email="owner@example.com").name == "Olive Owner"
    message = last_mail_to("owner@example.com")
    assert "You already have an account" in message.body
    assert "/accounts/password/reset/" in message.body


def test_weak_password_is_refused_with_the_reason(client):
    response = sign_up(client, password="password123")

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(email="nina@example.com").exists()
    assert mail.outbox == []


def test_short_password_is_refused_with_the_minimum_length(client):
    response = sign_up(client, password="x7k!p")

    assert "at least 10 characters" in response.content.decode()
    assert not User.objects.exists()


def test_malformed_email_is_refused(client):
    response = sign_up(client, email="nina-at-example")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not User.objects.exists()


def test_name_is_required(client):
    response = sign_up(client, name="   ")

    assert "This field is required." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_page_has_the_fields_in_order(client):
    html = client.get("/sign-up").content.decode()

    assert html.index('name="name"') < html.index('name="email"') < html.index('name="password1"')
    assert '<label for="id_email">E-mail</label>' in html
