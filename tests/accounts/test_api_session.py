import pytest
from allauth.account.models import EmailAddress
from django.utils.dateparse import parse_datetime

from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db


def test_anonymous_gets_nulls(client):
    response = client.get("/api/auth/session")

    assert response.status_code == 200
    assert response.json() == {"user": None, "session": None}


def test_signed_in_user_gets_user_and_session_expiry(client, owner):
    sign_in_post(client, "owner@example.com")

    body = client.get("/api/auth/session").json()

    assert body["user"] == {
        "id": str(owner.pk),
        "email": "owner@example.com",
        "name": "Olive Owner",
        "image": None,
        "email_verified": True,
    }
    assert set(body["session"]) == {"expires_at"}
    assert parse_datetime(body["session"]["expires_at"]) is not None


def test_image_is_the_google_picture_when_there_is_one(owner_client, owner):
    owner.image = "https://lh3.googleusercontent.com/a/picture"
    owner.save()

    assert (
        owner_client.get("/api/auth/session").json()["user"]["image"] == "https://lh3.googleusercontent.com/a/picture"
    )


def test_email_verified_is_false_for_an_unverified_address(owner_client, owner):
    EmailAddress.objects.filter(user=owner).update(verified=False)

    assert owner_client.get("/api/auth/session").json()["user"]["email_verified"] is False


def test_post_is_not_allowed(client):
    response = client.post("/api/auth/session")

    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_answer_is_never_cached(owner_client):
    response = owner_client.get("/api/auth/session")

    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_costs_at_most_two_queries(owner_client, django_assert_max_num_queries):
    owner_client.get("/api/auth/session")  # records the session's activity once
    with django_assert_max_num_queries(2):
        owner_client.get("/api/auth/session")
