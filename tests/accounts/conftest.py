import pytest
from django.test import Client

from tests.conftest import PASSWORD


def sign_in_post(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/sign-in", {"login": email, "password": password, **extra})


def staff_sign_in(client: Client, email: str = "staff@example.com", **extra):
    """Sign staff in through allauth: password, then the authenticator app's code (the admin requires it)."""
    from tests.accounts.helpers import totp_code
    from tests.conftest import STAFF_TOTP_SECRET

    first = sign_in_post(client, email, **extra)
    assert first["Location"] == "/accounts/2fa/authenticate/", first
    return client.post("/accounts/2fa/authenticate/", {"code": totp_code(STAFF_TOTP_SECRET)})


@pytest.fixture
def reauthenticated_client(owner, owner_client) -> Client:
    """The owner's client, having just confirmed the password (allauth's re-authentication)."""
    response = owner_client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content
    return owner_client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
