"""Sign-up does the same work whether or not the address has an account, so its timing tells nothing."""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from accounts.models import OutboundEmail, User
from tests.accounts.test_sign_up import STRONG_PASSWORD, sign_up

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The suite's fast hasher, counting how many passwords it hashed."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0

    def count(action) -> int:
        before = CountingHasher.hashed
        action()
        return CountingHasher.hashed - before

    return count


def page_text(client, response) -> str:
    """The page the sign-up leads to, without what differs on every request (CSRF token, CSP nonce)."""
    html = client.get(response["Location"]).content.decode()
    return re.sub(r'(nonce|value)="[^"]*"', "", html)


def test_a_taken_address_hashes_the_password_as_a_new_one_does(client, owner, hashes):
    new = hashes(lambda: sign_up(client, email="fresh@example.com", password=STRONG_PASSWORD))
    taken = hashes(lambda: sign_up(client, email="owner@example.com", password=STRONG_PASSWORD))

    assert new == taken == 1
    assert User.objects.filter(email="fresh@example.com").exists()


def test_a_taken_address_gets_the_same_answer_as_a_new_one(owner):
    new_client, taken_client = Client(), Client()
    new = sign_up(new_client, email="someone@example.com")
    taken = sign_up(taken_client, email="owner@example.com")

    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert page_text(taken_client, taken).replace("owner@", "someone@") == page_text(new_client, new)


def test_both_paths_queue_their_mail(client, owner):
    sign_up(client, email="fresh@example.com")
    sign_up(client, email="owner@example.com")

    kinds = {tuple(to): kind for to, kind in OutboundEmail.objects.values_list("to", "kind")}
    assert kinds == {
        ("fresh@example.com",): "account/email/email_confirmation_signup",
        ("owner@example.com",): "account/email/account_already_exists",
    }
