"""Background tasks of accounts: sending the stored e-mails, and their housekeeping."""

from accounts import emails
from accounts.models import OutboundEmail
from saas.background import background_task, enqueue_on_commit


def _email_given_up(arguments: dict, error: BaseException) -> None:
    emails.email_mark_failed(outbox_id=arguments["outbox_id"], error=error)


# 8 attempts over about an hour (30 s, 1, 2, 4, 8, 16, 32 min): an SMTP outage of that long still delivers.
@background_task(max_attempts=8, backoff=30, max_backoff=1920, on_give_up=_email_given_up)
def email_send(outbox_id: str) -> str:
    return emails.email_send(outbox_id=outbox_id)


def enqueue_email_send(email: OutboundEmail) -> None:
    enqueue_on_commit(email_send, outbox_id=str(email.id))


@background_task(max_attempts=3)
def emails_requeue_stalled() -> int:
    return emails.emails_requeue_stalled()


@background_task(max_attempts=3)
def emails_purge() -> int:
    return emails.emails_purge()
