import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from accounts.models import AuditEvent
from tests.accounts.conftest import sign_in_post
from tests.accounts.helpers import totp_code

# allauth announces a new authenticator (our audit receiver) when its transaction commits, inside the
# request: these tests need real commits.
pytestmark = pytest.mark.django_db(transaction=True)


def activate_totp(client) -> str:
    """Turn on the authenticator app through allauth's pages; returns the secret."""
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


def test_turning_on_the_authenticator_app_asks_for_the_password_first(owner_client):
    response = owner_client.get("/accounts/2fa/totp/activate/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/?next=")


def test_activation_page_shows_the_qr_code_and_the_secret(reauthenticated_client):
    html = reauthenticated_client.get("/accounts/2fa/totp/activate/").content.decode()

    assert 'src="data:image/svg+xml;base64,' in html
    assert reauthenticated_client.session["mfa.totp.secret"] in html


def test_wrong_code_does_not_turn_it_on_and_says_why(reauthenticated_client, owner):
    reauthenticated_client.get("/accounts/2fa/totp/activate/")
    secret = reauthenticated_client.session["mfa.totp.secret"]
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"

    response = reauthenticated_client.post("/accounts/2fa/totp/activate/", {"code": wrong})

    assert response.status_code == 200
    assert "That code is not correct." in response.content.decode()
    assert not Authenticator.objects.filter(user=owner).exists()


def test_turning_it_on_creates_recovery_codes_and_is_audited(reauthenticated_client, owner):
    activate_totp(reauthenticated_client)

    types = set(Authenticator.objects.filter(user=owner).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    assert AuditEvent.objects.filter(user=owner, action="mfa.added", details__type="totp").exists()


def test_sign_in_then_asks_for_the_code(reauthenticated_client, owner, client):
    activate_totp(reauthenticated_client)

    response = sign_in_post(client, "owner@example.com")

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/api/auth/session").json()["user"] is None


def test_the_current_code_completes_sign_in(reauthenticated_client, owner, client):
    secret = activate_totp(reauthenticated_client)
    sign_in_post(client, "owner@example.com")

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, step_offset=1)})

    assert response["Location"] == "/dashboard/"
    assert client.get("/api/auth/session").json()["user"]["id"] == str(owner.pk)


def test_a_wrong_code_at_sign_in_is_refused_and_audited(reauthenticated_client, owner, client):
    secret = activate_totp(reauthenticated_client)
    sign_in_post(client, "owner@example.com")
    wrong = f"{(int(totp_code(secret)) + 500) % 1_000_000:06d}"

    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})

    assert response.status_code == 200
    assert "That code is not correct." in response.content.decode()
    assert client.get("/api/auth/session").json()["user"] is None
    assert AuditEvent.objects.filter(user=owner, action="mfa.failed").exists()


def test_a_code_cannot_be_used_twice(reauthenticated_client, owner):
    secret = activate_totp(reauthenticated_client)
    code = totp_code(secret, step_offset=1)
    first, second = Client(), Client()
    for c in (first, second):
        sign_in_post(c, "owner@example.com")

    first.post("/accounts/2fa/authenticate/", {"code": code})
    response = second.post("/accounts/2fa/authenticate/", {"code": code})

    assert response.status_code == 200
    assert second.get("/api/auth/session").json()["user"] is None


def test_a_recovery_code_completes_sign_in(reauthenticated_client, owner, client):
    activate_totp(reauthenticated_client)
    recovery = Authenticator.objects.get(user=owner, type="recovery_codes").wrap().get_unused_codes()[0]
    sign_in_post(client, "owner@example.com")

    response = client.post("/accounts/2fa/authenticate/", {"code": recovery})

    assert response["Location"] == "/dashboard/"


def test_turning_it_off_is_audited(reauthenticated_client, owner):
    activate_totp(reauthenticated_client)

    response = reauthenticated_client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=owner).exists()
    assert AuditEvent.objects.filter(user=owner, action="mfa.removed", details__type="totp").exists()


def test_security_page_shows_two_factor_state(reauthenticated_client):
    assert "Not set up" in reauthenticated_client.get("/dashboard/settings/security").content.decode()

    activate_totp(reauthenticated_client)

    html = reauthenticated_client.get("/dashboard/settings/security").content.decode()
    assert "Active since" in html
    assert "10 unused" in html
