import pytest
from django.test import Client

from tests.conftest import PASSWORD


def sign_in_post(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/sign-in", {"login": email, "password": password, **extra})


@pytest.fixture
def reauthenticated_client(owner, owner_client) -> Client:
    """The owner's client, having just confirmed the password (allauth's re-authentication)."""
    response = owner_client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content
    return owner_client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
