import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from accounts.models import AuditEvent
from tests.accounts.helpers import confirmation_path
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "plum-kettle-harbour-77"


@pytest.fixture
def signed_up(client):
    client.post("/sign-up", {"name": "Nina New", "email": "nina@example.com", "password1": PASSWORD})
    return EmailAddress.objects.get(email="nina@example.com")


def test_link_shows_a_confirm_button_and_does_not_confirm_on_get(client, signed_up):
    response = client.get(confirmation_path("nina@example.com"))

    assert response.status_code == 200
    assert b"Confirm that <strong>nina@example.com</strong> is your address." in response.content
    signed_up.refresh_from_db()
    assert signed_up.verified is False


def test_confirming_verifies_signs_in_and_lands_on_the_dashboard(client, signed_up):
    response = client.post(confirmation_path("nina@example.com"))

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    signed_up.refresh_from_db()
    assert signed_up.verified is True
    assert client.get("/api/auth/session").json()["user"]["email_verified"] is True
    assert AuditEvent.objects.filter(user=signed_up.user, action="email.verified").exists()


def test_forged_link_is_refused_and_verifies_nothing(client, signed_up):
    path = confirmation_path("nina@example.com")
    forged = path.rstrip("/")[:-3] + "abc/"

    page = client.get(forged)
    confirm = client.post(forged)

    assert b"This confirmation link has expired or is not valid." in page.content
    assert b"<button" not in page.content.split(b'id="main"')[1]
    assert confirm.status_code == 404
    signed_up.refresh_from_db()
    assert signed_up.verified is False


def test_expired_link_is_refused_and_says_how_to_get_a_new_one(client):
    user = make_user("late@example.com", verified=False)
    address = EmailAddress.objects.get(user=user)
    four_days_ago = time.time() - 4 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=four_days_ago):
        key = EmailConfirmationHMAC(address).key

    response = client.get(f"/accounts/confirm-email/{key}/")
    client.post(f"/accounts/confirm-email/{key}/")

    assert b"This confirmation link has expired or is not valid." in response.content
    assert b"we send a fresh link" in response.content
    address.refresh_from_db()
    assert address.verified is False


def test_unverified_user_signing_in_gets_a_new_link_instead_of_a_session(client):
    make_user("late@example.com", verified=False)

    response = client.post("/sign-in", {"login": "late@example.com", "password": "correct-horse-battery-staple-42"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert confirmation_path("late@example.com").startswith("/accounts/confirm-email/")
    assert client.get("/api/auth/session").json()["user"] is None
