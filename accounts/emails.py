"""Outgoing e-mail, off the request path: render in the request, store a row, send from a task.

`email_queue` stores a rendered message (an OutboundEmail) and enqueues `accounts.tasks.email_send` when
the transaction commits; the task calls `email_send`, which claims the row, sends it through the
configured mailer and marks it sent, so a run repeated after a crash or a retry sends nothing twice (a
crash between the mail server's answer and the mark, a fraction of a second, is the only window).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import OutboundEmail

logger = logging.getLogger(__name__)

# A run that claimed an e-mail and then vanished (its worker killed) blocks others for this long.
SEND_LEASE = timedelta(minutes=2)
# Rows never attempted this long after they were stored lost their task (the queue was down at commit).
STALLED_AFTER = timedelta(minutes=10)
KEEP_SENT = timedelta(days=30)
KEEP_FAILED = timedelta(days=30)


class EmailBusy(Exception):
    """Another run holds this e-mail (it is being sent right now): try again later."""


def email_queue(*, message: EmailMessage, user_id=None, kind: str = "") -> OutboundEmail:
    """Store a rendered message and send it from a background task once the current transaction commits."""
    from accounts import tasks

    html = ""
    for content, mimetype in getattr(message, "alternatives", None) or []:
        if mimetype == "text/html":
            html = str(content)
    row = OutboundEmail(
        user_id=user_id,
        kind=kind[:100],
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[str(address) for address in message.to],
        subject=str(message.subject),
        body=str(message.body),
        body_subtype=message.content_subtype,
        html_body=html,
        headers={str(key): str(value) for key, value in (message.extra_headers or {}).items()},
    )
    row.full_clean()
    row.save()
    tasks.enqueue_email_send(row)
    return row


def _as_message(row: OutboundEmail) -> EmailMessage:
    message: EmailMessage
    if row.html_body:
        message = EmailMultiAlternatives(row.subject, row.body, row.from_email, row.to, headers=row.headers)
        message.attach_alternative(row.html_body, "text/html")
    else:
        message = EmailMessage(row.subject, row.body, row.from_email, row.to, headers=row.headers)
        message.content_subtype = row.body_subtype
    return message


def email_send(*, outbox_id: str) -> str:
    """Send one stored e-mail at most once: "sent", "already sent", or "gone" (its user was deleted).

    Raises EmailBusy while another run holds it, and the mailer's error when sending fails (the row goes
    back to queued with the error, for the task's retry).
    """
    now = timezone.now()
    claimable = Q(state__in=[OutboundEmail.State.QUEUED, OutboundEmail.State.FAILED]) | Q(
        state=OutboundEmail.State.SENDING, claimed_at__lt=now - SEND_LEASE
    )
    claimed = OutboundEmail.objects.filter(claimable, id=outbox_id).update(
        state=OutboundEmail.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        state = OutboundEmail.objects.filter(id=outbox_id).values_list("state", flat=True).first()
        if state is None:
            return "gone"
        if state == OutboundEmail.State.SENT:
            return "already sent"
        raise EmailBusy(f"E-mail {outbox_id} is being sent by another run.")
    row = OutboundEmail.objects.get(id=outbox_id)
    mine = OutboundEmail.objects.filter(id=outbox_id, state=OutboundEmail.State.SENDING, claimed_at=now)
    try:
        _as_message(row).send()
    except Exception as exc:
        mine.update(state=OutboundEmail.State.QUEUED, claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    mine.update(state=OutboundEmail.State.SENT, sent_at=timezone.now(), body="", html_body="", last_error="")
    return "sent"


def email_mark_failed(*, outbox_id: str, error: BaseException) -> None:
    """The task gave up: keep the e-mail as failed, with the error (it can be sent again from the admin)."""
    OutboundEmail.objects.filter(id=outbox_id).exclude(state=OutboundEmail.State.SENT).update(
        state=OutboundEmail.State.FAILED, claimed_at=None, last_error=f"{type(error).__name__}: {error}"[:2000]
    )
    logger.error("E-mail %s could not be sent; kept as failed", outbox_id, extra={"outbox_id": outbox_id})


def email_send_again(*, email: OutboundEmail) -> bool:
    """Queue a failed (or stalled) e-mail again, from the admin; False when it was sent already."""
    from accounts import tasks

    requeued = (
        OutboundEmail.objects.filter(id=email.id)
        .exclude(state__in=[OutboundEmail.State.SENT, OutboundEmail.State.SENDING])
        .update(state=OutboundEmail.State.QUEUED, last_error="")
    )
    if requeued:
        tasks.enqueue_email_send(email)
    return bool(requeued)


def emails_requeue_stalled() -> int:
    """Enqueue again the e-mails stored but never attempted (their task was lost: the queue was down)."""
    from accounts import tasks

    stalled = OutboundEmail.objects.filter(
        state=OutboundEmail.State.QUEUED, attempts=0, created_at__lt=timezone.now() - STALLED_AFTER
    )
    count = 0
    for email in stalled.only("id").iterator():
        tasks.enqueue_email_send(email)
        count += 1
    if count:
        logger.warning("Enqueued %s stalled e-mail(s) again", count, extra={"count": count})
    return count


def emails_purge() -> int:
    """Delete sent e-mails older than 30 days and failed ones older than 30 days; how many went."""
    now = timezone.now()
    deleted, _ = OutboundEmail.objects.filter(
        Q(state=OutboundEmail.State.SENT, sent_at__lt=now - KEEP_SENT)
        | Q(state=OutboundEmail.State.FAILED, created_at__lt=now - KEEP_FAILED)
    ).delete()
    return deleted


def email_queue_to_user(*, user, template_prefix: str, context: dict, kind: str) -> OutboundEmail:
    """Render `<template_prefix>_subject.txt` and `_message.txt` for one user and queue the e-mail (for the
    apps' own notices, such as banking's alerts). Templates get APP_URL and SITE_NAME: build every link
    from APP_URL, never from a request."""
    from django.template.loader import render_to_string

    from saas.context_processors import SITE_NAME

    values = {"user": user, "APP_URL": settings.APP_URL, "SITE_NAME": SITE_NAME, **context}
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", values).split())
    body = render_to_string(f"{template_prefix}_message.txt", values)
    message = EmailMessage(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )
    return email_queue(message=message, user_id=user.pk, kind=kind)
