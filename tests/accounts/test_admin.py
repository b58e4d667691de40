import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import AuditEvent, User
from tests.accounts.conftest import sign_in_post, staff_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    staff_sign_in(client)
    return client


def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in?next=%2Fadmin%2F"


def test_anonymous_admin_visit_ends_on_our_sign_in_page(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/sign-in?next=")
    assert b'<label for="id_login">E-mail</label>' in response.content


def test_staff_signed_in_through_allauth_reach_the_admin(client, staff):
    response = staff_sign_in(client, next="/admin/")

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_non_staff_are_refused_by_the_admin_login(owner_client):
    assert owner_client.get("/admin/login/").status_code == 403


def test_user_admin_searches_by_email(staff_client, owner, outsider):
    html = staff_client.get("/admin/accounts/user/?q=outsider").content.decode()

    assert "outsider@example.com" in html
    assert "owner@example.com" not in html


def test_user_admin_change_page_opens(staff_client, owner):
    assert staff_client.get(f"/admin/accounts/user/{owner.pk}/change/").status_code == 200


def test_adding_a_user_in_the_admin_gives_them_an_address_to_verify(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.com",
            "name": "Added",
            "usable_password": "true",
            "password1": "plum-kettle-harbour-77",
            "password2": "plum-kettle-harbour-77",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    address = EmailAddress.objects.get(email="added@example.com")
    assert address.primary is True and address.verified is False


def test_audit_events_are_read_only_in_the_admin(staff_client, owner):
    event = AuditEvent.objects.create(user=owner, action="auth.signed_in", details={"provider": "email"})

    assert staff_client.get("/admin/accounts/auditevent/").status_code == 200
    assert staff_client.get("/admin/accounts/auditevent/add/").status_code == 403
    change_page = staff_client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert change_page.status_code == 200
    assert b'name="_save"' not in change_page.content
    assert staff_client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert staff_client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.signed_in"


def test_createsuperuser_gets_a_verified_address_so_they_can_sign_in(monkeypatch, client):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "plum-kettle-harbour-77")

    call_command("createsuperuser", "--noinput", "--email", "root@example.com", "--name", "Root")

    user = User.objects.get(email="root@example.com")
    assert user.is_superuser and user.is_staff
    assert EmailAddress.objects.get(user=user).verified is True
    assert sign_in_post(client, "root@example.com", password="plum-kettle-harbour-77")["Location"] == "/dashboard/"


def test_staff_without_two_factor_are_sent_to_set_it_up(client, staff):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=staff).delete()
    sign_in_post(client, "staff@example.com")

    response = client.get("/admin/")

    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    assert "two-factor" in client.get(response["Location"]).content.decode()
    assert client.get("/admin/accounts/user/").status_code == 302
