"""E-mail goes through the queue: rendered in the request, stored, sent by the worker, retried, idempotent."""

import pytest
from django.core import mail

from accounts import emails, tasks
from accounts.models import OutboundEmail, User
from saas.background import enqueue
from tests.accounts.helpers import confirmation_path, last_mail_to, links_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-kettle-harbour-77"
MAIL_SERVER_DOWN = {"default": {"BACKEND": "tests.mailers.RefusingEmailBackend"}}
MAIL_SERVER_UP = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def sign_up(client, email="nina@example.com"):
    return client.post("/sign-up", {"name": "Nina New", "email": email, "password1": NEW_PASSWORD})


def test_sign_up_queues_the_mail_and_the_worker_sends_it(client, real_queue):
    response = sign_up(client)

    assert response.status_code == 302
    assert mail.outbox == []
    (queued,) = OutboundEmail.objects.all()
    assert queued.state == OutboundEmail.State.QUEUED
    assert queued.user == User.objects.get(email="nina@example.com")
    assert queued.kind == "account/email/email_confirmation_signup"

    real_queue.drain()

    message = last_mail_to("nina@example.com")
    assert message.subject == "[Ledgerly] Confirm your e-mail address"
    assert any(link.startswith("http://testserver/accounts/confirm-email/") for link in links_in(message))
    queued.refresh_from_db()
    assert queued.state == OutboundEmail.State.SENT
    assert queued.sent_at is not None


def test_the_mailed_link_confirms_the_address(client, real_queue):
    sign_up(client)
    real_queue.drain()

    client.post(confirmation_path("nina@example.com"))

    assert User.objects.get(email="nina@example.com").emailaddress_set.get().verified is True


def test_a_sent_mail_keeps_no_body(client, real_queue):
    sign_up(client)
    real_queue.drain()

    sent = OutboundEmail.objects.get()
    assert (sent.body, sent.html_body) == ("", "")
    assert sent.subject == "[Ledgerly] Confirm your e-mail address"


def test_password_reset_mail_is_queued_then_sent(client, owner, real_queue):
    client.post("/accounts/password/reset/", {"email": "owner@example.com"})

    assert mail.outbox == []
    real_queue.drain()
    assert "/accounts/password/reset/key/" in last_mail_to("owner@example.com").body


def test_smtp_down_sign_up_still_answers_and_the_mail_waits_for_a_retry(client, real_queue, settings):
    settings.MAILERS = MAIL_SERVER_DOWN

    response = sign_up(client)
    real_queue.drain()

    assert response.status_code == 302
    queued = OutboundEmail.objects.get()
    assert queued.state == OutboundEmail.State.QUEUED
    assert queued.attempts == 1
    assert "Connection refused" in queued.last_error
    (retry,) = real_queue.scheduled()
    assert (retry.task_path, retry.attempt) == ("accounts.tasks.email_send", 2)


def test_smtp_down_for_good_the_mail_ends_failed_with_its_error(client, real_queue, settings):
    settings.MAILERS = MAIL_SERVER_DOWN
    sign_up(client)

    for _ in range(8):
        real_queue.drain()
        real_queue.make_due()

    assert real_queue.scheduled() == []
    failed = OutboundEmail.objects.get()
    assert failed.state == OutboundEmail.State.FAILED
    assert failed.attempts == 8
    assert "Connection refused" in failed.last_error


def test_smtp_back_before_the_retries_run_out_the_mail_is_delivered(client, real_queue, settings):
    settings.MAILERS = MAIL_SERVER_DOWN
    sign_up(client)
    real_queue.drain()

    settings.MAILERS = MAIL_SERVER_UP
    real_queue.make_due()
    real_queue.drain()

    assert last_mail_to("nina@example.com").subject == "[Ledgerly] Confirm your e-mail address"
    assert OutboundEmail.objects.get().attempts == 2


def test_after_the_mail_failed_signing_in_sends_a_new_link(client, real_queue, settings):
    from django.core.cache import cache

    settings.MAILERS = MAIL_SERVER_DOWN
    sign_up(client)
    for _ in range(8):
        real_queue.drain()
        real_queue.make_due()
    assert OutboundEmail.objects.get().state == OutboundEmail.State.FAILED
    settings.MAILERS = MAIL_SERVER_UP
    cache.clear()  # the retries took about an hour: allauth's 3-minute resend cooldown is long over

    response = client.post("/sign-in", {"login": "nina@example.com", "password": NEW_PASSWORD})
    real_queue.drain()

    assert response["Location"] == "/accounts/confirm-email/"
    assert confirmation_path("nina@example.com").startswith("/accounts/confirm-email/")
    assert OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == 1


def test_sending_the_same_mail_twice_sends_it_once(owner):
    row = OutboundEmail.objects.create(user=owner, from_email="a@b.c", to=[owner.email], subject="Once", body="B")

    first = emails.email_send(outbox_id=str(row.id))
    second = emails.email_send(outbox_id=str(row.id))

    assert (first, second) == ("sent", "already sent")
    assert [message.subject for message in mail.outbox] == ["Once"]
    assert OutboundEmail.objects.get().attempts == 1


def test_email_queue_sends_after_the_commit_with_html_kept(owner):
    message = mail.EmailMultiAlternatives("Hello", "Text body", to=[owner.email])
    message.attach_alternative("<p>HTML body</p>", "text/html")

    emails.email_queue(message=message, user_id=owner.pk)

    (sent,) = mail.outbox
    assert sent.body == "Text body"
    assert sent.alternatives[0].content == "<p>HTML body</p>"


def test_a_mail_claimed_by_a_run_that_is_still_going_is_left_to_it(owner):
    row = OutboundEmail.objects.create(user=owner, from_email="a@b.c", to=[owner.email], subject="S", body="B")
    from django.utils import timezone

    OutboundEmail.objects.filter(id=row.id).update(state=OutboundEmail.State.SENDING, claimed_at=timezone.now())

    with pytest.raises(emails.EmailBusy):
        emails.email_send(outbox_id=str(row.id))


def test_a_mail_of_a_deleted_user_finishes_quietly(owner):
    row = OutboundEmail.objects.create(user=owner, from_email="a@b.c", to=[owner.email], subject="S", body="B")
    owner.delete()

    assert emails.email_send(outbox_id=str(row.id)) == "gone"
    assert mail.outbox == []


def test_the_queued_mail_goes_with_the_account(owner, outsider):
    OutboundEmail.objects.create(user=owner, from_email="a@b.c", to=[owner.email], subject="S", body="B")
    OutboundEmail.objects.create(user=outsider, from_email="a@b.c", to=[outsider.email], subject="S", body="B")

    owner.delete()

    assert list(OutboundEmail.objects.values_list("user", flat=True)) == [outsider.pk]


def test_mail_to_another_address_of_the_user_belongs_to_that_user(owner):
    from allauth.account.models import EmailAddress

    from accounts.adapter import _user_id_for_address

    EmailAddress.objects.create(user=owner, email="second@example.com", verified=False)

    assert _user_id_for_address("SECOND@example.com") == owner.pk
    assert _user_id_for_address("stranger@example.com") is None


def test_mail_to_an_unknown_address_belongs_to_nobody(client):
    client.post("/accounts/password/reset/", {"email": "stranger@example.com"})

    assert OutboundEmail.objects.filter(to=["stranger@example.com"]).values_list("user", flat=True).get() is None


def test_a_stalled_mail_is_enqueued_again(owner, real_queue):
    from datetime import timedelta

    from django.utils import timezone

    row = OutboundEmail.objects.create(
        user=owner,
        from_email="a@b.c",
        to=[owner.email],
        subject="Stalled",
        body="B",
        created_at=timezone.now() - timedelta(minutes=30),
    )

    assert emails.emails_requeue_stalled() == 1
    real_queue.drain()

    row.refresh_from_db()
    assert row.state == OutboundEmail.State.SENT
    assert emails.emails_requeue_stalled() == 0


def test_old_sent_and_failed_mail_is_purged_twice_safely(owner):
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - timedelta(days=31)
    OutboundEmail.objects.create(
        user=owner, from_email="a", to=[owner.email], subject="old sent", state="sent", sent_at=old, created_at=old
    )
    OutboundEmail.objects.create(
        user=owner, from_email="a", to=[owner.email], subject="old failed", state="failed", created_at=old
    )
    OutboundEmail.objects.create(
        user=owner, from_email="a", to=[owner.email], subject="new", state="sent", sent_at=timezone.now()
    )

    assert emails.emails_purge() == 2
    assert emails.emails_purge() == 0
    assert list(OutboundEmail.objects.values_list("subject", flat=True)) == ["new"]


def test_a_task_for_an_unknown_mail_is_refused_when_its_id_is_not_a_string():
    from saas.background import InvalidTaskArguments

    with pytest.raises(InvalidTaskArguments):
        enqueue(tasks.email_send, outbox_id=42)


def test_staff_can_send_a_failed_mail_again_from_the_admin(client, staff, owner, real_queue):
    failed = OutboundEmail.objects.create(
        user=owner, from_email="a@b.c", to=[owner.email], subject="Again", body="B", state="failed", attempts=8
    )
    client.force_login(staff)

    response = client.post(
        "/admin/accounts/outboundemail/", {"action": "send_again", "_selected_action": [str(failed.id)]}
    )
    real_queue.drain()

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == OutboundEmail.State.SENT
    assert last_mail_to(owner.email).subject == "Again"


def test_staff_see_no_mail_body_in_the_admin(client, staff, owner):
    row = OutboundEmail.objects.create(
        user=owner, from_email="a@b.c", to=[owner.email], subject="Reset", body="secret-key-in-link"
    )
    client.force_login(staff)

    page = client.get(f"/admin/accounts/outboundemail/{row.id}/change/")

    assert page.status_code == 200
    assert b"secret-key-in-link" not in page.content
