import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from accounts.services import user_create
from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db


def test_user_create_makes_a_user_who_can_sign_in_when_verified(client):
    user = user_create(email="Demo@Example.com", password="plum-kettle-harbour-77", name=" Demo ", verified=True)

    assert user.email == "demo@example.com"
    assert user.name == "Demo"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("demo@example.com", True, True)
    assert sign_in_post(client, "demo@example.com", password="plum-kettle-harbour-77")["Location"] == "/dashboard/"


def test_user_create_is_unverified_by_default():
    user = user_create(email="new@example.com", password="plum-kettle-harbour-77", name="New")

    assert EmailAddress.objects.get(user=user).verified is False


def test_user_create_refuses_a_taken_email_and_leaves_nothing(owner):
    with pytest.raises(ValidationError):
        user_create(email="owner@example.com", password="plum-kettle-harbour-77", name="Again")

    assert EmailAddress.objects.filter(email="owner@example.com").count() == 1
