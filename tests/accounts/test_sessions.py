import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from accounts.models import AuditEvent
from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db

LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


def signed_in_client(email: str, user_agent: str, ip: str = "127.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    assert sign_in_post(client, email).status_code == 302
    return client


@pytest.fixture
def laptop(owner):
    return signed_in_client("owner@example.com", LAPTOP, ip="192.0.2.10")


@pytest.fixture
def phone(owner):
    return signed_in_client("owner@example.com", PHONE, ip="198.51.100.7")


def test_sessions_page_lists_each_device_with_address_and_this_device(laptop, phone):
    html = laptop.get("/dashboard/settings/sessions").content.decode()

    assert "Chrome 131 on Linux" in html
    assert "Mobile Safari 17 on iOS 17 (iPhone)" in html
    assert "192.0.2.10" in html and "198.51.100.7" in html
    assert html.count("This device") == 1
    assert html.index("Chrome 131 on Linux") < html.index("This device") < html.index("Mobile Safari")


def test_ended_session_is_signed_out_on_its_next_request(laptop, phone, owner):
    phone_session = UserSession.objects.get(user=owner, ip="198.51.100.7")

    response = laptop.post(f"/dashboard/settings/sessions/{phone_session.pk}/end")

    assert response.status_code == 302
    assert phone.get("/dashboard/")["Location"] == "/sign-in?next=/dashboard/"
    assert laptop.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(user=owner, action="session.ended").exists()


def test_signing_out_all_other_sessions_keeps_this_one(laptop, phone, owner):
    third = signed_in_client("owner@example.com", LAPTOP, ip="203.0.113.5")

    laptop.post("/dashboard/settings/sessions/end-others")

    assert phone.get("/dashboard/").status_code == 302
    assert third.get("/dashboard/").status_code == 302
    assert laptop.get("/dashboard/").status_code == 200
    assert UserSession.objects.filter(user=owner).count() == 1


def test_the_current_session_cannot_be_ended_from_the_list(laptop, owner):
    own = UserSession.objects.get(user=owner)

    response = laptop.post(f"/dashboard/settings/sessions/{own.pk}/end", follow=True)

    assert "This is the session you are using: sign out instead." in response.content.decode()
    assert laptop.get("/dashboard/").status_code == 200


def test_another_users_session_is_404(laptop, outsider):
    outsider_client = signed_in_client("outsider@example.com", PHONE)
    theirs = UserSession.objects.get(user=outsider)

    response = laptop.post(f"/dashboard/settings/sessions/{theirs.pk}/end")

    assert response.status_code == 404
    assert outsider_client.get("/dashboard/").status_code == 200


def test_ending_a_session_needs_a_post(laptop, phone, owner):
    phone_session = UserSession.objects.get(user=owner, ip="198.51.100.7")

    assert laptop.get(f"/dashboard/settings/sessions/{phone_session.pk}/end").status_code == 405


def test_last_seen_is_recorded_without_a_write_on_every_request(laptop, owner, django_assert_max_num_queries):
    laptop.get("/dashboard/settings/sessions")
    with django_assert_max_num_queries(3):
        laptop.get("/dashboard/settings/sessions")


def test_sessions_page_query_count_does_not_grow_with_sessions(laptop, owner, django_assert_max_num_queries):
    for n in range(5):
        signed_in_client("owner@example.com", PHONE, ip=f"203.0.113.{n}")
    laptop.get("/dashboard/settings/sessions")

    with django_assert_max_num_queries(3):
        response = laptop.get("/dashboard/settings/sessions")

    assert response.content.decode().count("End session</button>") == 5


def test_a_new_address_updates_the_session_record_at_once(laptop, owner):
    laptop.get("/dashboard/", REMOTE_ADDR="192.0.2.99")

    assert UserSession.objects.get(user=owner).ip == "192.0.2.99"


def test_signing_out_removes_the_session_from_the_list(laptop, phone, owner):
    phone.post("/sign-out")

    assert UserSession.objects.filter(user=owner).count() == 1


def test_changing_the_password_ends_the_other_sessions(laptop, phone, owner):
    new_password = "fresh-meadow-lantern-93"
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": "correct-horse-battery-staple-42", "password1": new_password, "password2": new_password},
    )

    assert response.status_code == 302
    assert laptop.get("/dashboard/").status_code == 200
    assert phone.get("/dashboard/").status_code == 302
    assert UserSession.objects.filter(user=owner).count() == 1
    assert AuditEvent.objects.filter(user=owner, action="password.changed").exists()
