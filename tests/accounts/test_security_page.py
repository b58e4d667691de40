import pytest

from accounts.models import AuditEvent
from tests.accounts.conftest import sign_in_post

pytestmark = pytest.mark.django_db


def test_security_page_lists_recent_activity_newest_first(client, owner):
    sign_in_post(client, "owner@example.com", password="not-my-password-1")
    sign_in_post(client, "owner@example.com")

    html = client.get("/dashboard/settings/security").content.decode()

    assert html.index("Signed in") < html.index("Failed sign-in (wrong password)")
    assert "with e-mail and password" in html


def test_security_page_shows_only_the_users_own_activity(owner_client, outsider):
    AuditEvent.objects.create(user=outsider, action="password.changed")

    assert "Changed the password" not in owner_client.get("/dashboard/settings/security").content.decode()


def test_security_page_links_to_allauths_pages(owner_client):
    html = owner_client.get("/dashboard/settings/security").content.decode()

    for path in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/totp/activate/"):
        assert f'href="{path}"' in html


def test_google_only_users_are_offered_to_set_a_password(owner_client, owner):
    owner.set_unusable_password()
    owner.save()
    owner_client.force_login(owner)

    assert 'href="/accounts/password/set/"' in owner_client.get("/dashboard/settings/security").content.decode()


def test_security_page_query_count_is_fixed(owner_client, owner, django_assert_max_num_queries):
    AuditEvent.objects.bulk_create([AuditEvent(user=owner, action="auth.signed_in") for _ in range(40)])
    owner_client.get("/dashboard/settings/security")

    with django_assert_max_num_queries(6):
        owner_client.get("/dashboard/settings/security")


def test_changing_the_email_needs_the_password_again(owner_client):
    response = owner_client.post("/accounts/email/", {"action_add": "", "email": "new@example.com"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_changing_the_email_sends_a_link_and_switches_after_it_is_opened(reauthenticated_client, owner, client):
    from allauth.account.models import EmailAddress

    from tests.accounts.helpers import confirmation_path

    reauthenticated_client.post("/accounts/email/", {"action_add": "", "email": "olive@example.net"})
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"

    reauthenticated_client.post(confirmation_path("olive@example.net"))

    owner.refresh_from_db()
    assert owner.email == "olive@example.net"
    assert list(EmailAddress.objects.filter(user=owner).values_list("email", flat=True)) == ["olive@example.net"]
    assert AuditEvent.objects.filter(user=owner, action="email.changed", details__to="olive@example.net").exists()
