import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.test import Client

from accounts.models import AuditEvent, User
from billing.models import Subscription
from tests.accounts.conftest import sign_in_post
from tests.accounts.test_data_export import bank_account_for, order_for, subscription_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

DELETE = "/dashboard/settings/data/delete"


def test_deleting_asks_for_the_password_first(owner_client, owner):
    response = owner_client.post(DELETE, {"email": "owner@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fdashboard%2Fsettings%2Fdata%2Fdelete"
    assert User.objects.filter(pk=owner.pk).exists()


def test_after_the_password_the_suspended_request_deletes_the_account(owner_client, owner):
    owner_client.post(DELETE, {"email": "owner@example.com"})

    response = owner_client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": DELETE})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=owner.pk).exists()


def test_a_wrong_password_deletes_nothing(owner_client, owner):
    owner_client.post(DELETE, {"email": "owner@example.com"})

    response = owner_client.post("/accounts/reauthenticate/", {"password": "not-my-password-1", "next": DELETE})

    assert response.status_code == 200
    assert User.objects.filter(pk=owner.pk).exists()


def test_the_typed_email_must_match(reauthenticated_client, owner):
    response = reauthenticated_client.post(DELETE, {"email": "someone@example.com"})

    assert response.status_code == 400
    assert "Type owner@example.com exactly to confirm." in response.content.decode()
    assert User.objects.filter(pk=owner.pk).exists()


def test_deletion_removes_everything_the_user_owns(reauthenticated_client, owner, outsider):
    from banking.models import BankAccount, Transaction

    bank_account_for(owner)
    bank_account_for(outsider)
    order_for(owner)
    subscription_for(owner, status="canceled")

    reauthenticated_client.post(DELETE, {"email": "Owner@Example.com"})

    assert not User.objects.filter(pk=owner.pk).exists()
    assert not EmailAddress.objects.filter(email="owner@example.com").exists()
    assert not BankAccount.objects.filter(user_id=owner.pk).exists()
    assert not Transaction.objects.filter(user_id=owner.pk).exists()
    assert not Subscription.objects.filter(user_id=owner.pk).exists()
    assert BankAccount.objects.filter(user=outsider).count() == 1


def test_deletion_forgets_the_stored_polar_deliveries_that_name_the_user(reauthenticated_client, owner, outsider):
    from billing import services, webhooks
    from billing.models import WebhookEvent
    from billing.testing import build_event

    # Stored as the webhook stores them: processed, so linked to the user they name.
    for webhook_id, user in (("msg-owner", owner), ("msg-other", outsider)):
        services.webhook_event_receive(
            webhook_id=webhook_id, payload=build_event("order.paid", user), handler=webhooks.handler_for("order.paid")
        )

    reauthenticated_client.post(DELETE, {"email": "owner@example.com"})

    assert list(WebhookEvent.objects.values_list("webhook_id", flat=True)) == ["msg-other"]


def test_deletion_is_audited_with_the_deleted_id(reauthenticated_client, owner):
    owner_id = str(owner.pk)

    reauthenticated_client.post(DELETE, {"email": "owner@example.com"})

    event = AuditEvent.objects.get(action="account.deleted")
    assert event.user is None
    assert event.details == {"user_id": owner_id}
    assert not AuditEvent.objects.filter(action="auth.signed_out").exists()


def test_deletion_signs_out_here_and_on_every_other_device(reauthenticated_client, owner):
    other = Client()
    sign_in_post(other, "owner@example.com")

    reauthenticated_client.post(DELETE, {"email": "owner@example.com"})

    assert reauthenticated_client.get("/api/auth/session").json()["user"] is None
    assert other.get("/api/auth/session").json()["user"] is None
    assert not UserSession.objects.exists()


def test_with_an_active_subscription_the_page_sends_them_to_cancel_first(owner_client, owner):
    subscription_for(owner)

    html = owner_client.get("/dashboard/settings/data").content.decode()

    assert "Cancel it in the customer portal first" in html
    assert 'action="/billing/portal/"' in html
    assert 'action="/dashboard/settings/data/delete"' not in html


def test_with_an_active_subscription_deletion_is_refused(reauthenticated_client, owner):
    subscription_for(owner)

    response = reauthenticated_client.post(DELETE, {"email": "owner@example.com"}, follow=True)

    assert "Cancel your subscription in the customer portal first" in response.content.decode()
    assert User.objects.filter(pk=owner.pk).exists()


def test_data_page_query_count_is_fixed(owner_client, django_assert_max_num_queries):
    owner_client.get("/dashboard/settings/data")
    with django_assert_max_num_queries(3):
        owner_client.get("/dashboard/settings/data")
