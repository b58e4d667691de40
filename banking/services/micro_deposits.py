"""Verification of `us_ach` accounts by two micro-deposits: sending them (through banking.verification's
provider), confirming their amounts (constant time, three attempts), and sending new ones after expiry."""

import datetime
import hmac
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from banking.models import BankAccount, MicroDepositVerification
from banking.services.base import validate
from banking.verification import get_provider
from saas.background import enqueue_on_commit


class VerificationError(Exception):
    """A verification attempt that did not verify; `code` says why, `message` says what to do."""

    def __init__(self, code: str, message: str, *, attempts_left: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.attempts_left = attempts_left


def send_micro_deposits(*, account: BankAccount) -> MicroDepositVerification:
    """Choose two deposits of 1 to 99 minor units, valid for 10 days, and have the provider send them.

    The provider is another company's server, so it is called by a background task once this transaction
    commits (`micro_deposits_dispatch`), never while the person waits.
    """
    amounts = (secrets.randbelow(99) + 1, secrets.randbelow(99) + 1)
    now = timezone.now()
    verification, _ = MicroDepositVerification.objects.update_or_create(
        bank_account=account,
        defaults={
            "amount_1": amounts[0],
            "amount_2": amounts[1],
            "attempts": 0,
            "state": MicroDepositVerification.State.PENDING,
            "provider": get_provider().name,
            "provider_reference": "",
            "sent_at": now,
            "dispatched_at": None,
            "expires_at": now + datetime.timedelta(days=MicroDepositVerification.VALID_DAYS),
            "completed_at": None,
        },
    )
    from banking.tasks import micro_deposits_send  # the task calls back into this module

    enqueue_on_commit(micro_deposits_send, verification_id=verification.pk)
    return verification


@transaction.atomic
def micro_deposits_dispatch(*, verification_id: int) -> str:
    """Ask the provider to send the chosen deposits, once: "sent", or why there was nothing to send.

    Safe to run twice: the row is locked, and deposits already sent are not sent again. The provider gets an
    idempotency key for these exact deposits, so a run cut short after the provider's answer and retried
    does not send money twice.
    """
    verification = (
        MicroDepositVerification.objects.select_for_update()
        .select_related("bank_account")
        .filter(pk=verification_id)
        .first()
    )
    if verification is None:
        return "gone"  # the account was removed meanwhile
    if verification.dispatched_at is not None:
        return "already sent"
    if verification.state != MicroDepositVerification.State.PENDING:
        return "not pending"
    provider = get_provider()
    reference = provider.send_micro_deposits(
        bank_account=verification.bank_account,
        amounts=(verification.amount_1, verification.amount_2),
        idempotency_key=f"ledgerly-deposits-{verification.pk}-{verification.sent_at.timestamp():.6f}",
    )
    verification.provider = provider.name
    verification.provider_reference = reference or ""
    verification.dispatched_at = timezone.now()
    verification.save(update_fields=["provider", "provider_reference", "dispatched_at"])
    audit_log(
        action="bank_account.micro_deposits_sent",
        user_id=verification.bank_account.user_id,
        details={"bank_account_id": str(verification.bank_account_id), "provider": provider.name},
    )
    return "sent"


def _validate_deposit_amounts(amounts: Any) -> tuple[int, int]:
    message = "Send the two deposit amounts, each a whole number of cents from 1 to 99 (0.01 to 0.99)."
    if not isinstance(amounts, list | tuple) or len(amounts) != 2:
        raise ValidationError({"amounts": [message]})
    for amount in amounts:
        if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= 99:
            raise ValidationError({"amounts": [message]})
    return amounts[0], amounts[1]


def _amounts_token(a: int, b: int) -> bytes:
    low, high = sorted((a, b))
    return f"{low:02d},{high:02d}".encode()


def _not_verifiable(account: BankAccount, verification: MicroDepositVerification | None) -> VerificationError | None:
    """Why this account cannot take a verification attempt now, if it cannot."""
    if not account.needs_verification:
        return VerificationError("not_needed", "This account needs no verification: it is active already.")
    if account.is_verified and account.status == BankAccount.Status.ACTIVE:
        return VerificationError("already_verified", "This account is already verified.")
    if account.is_closed:
        return VerificationError("closed", "This account is closed: reopen it before verifying it.")
    if account.status == BankAccount.Status.SUSPENDED:
        return VerificationError(
            "suspended", "This account is suspended after too many wrong attempts: contact support."
        )
    if verification is None or verification.state != MicroDepositVerification.State.PENDING:
        return VerificationError("no_deposits", "There are no deposits to confirm: send new ones first.")
    if verification.is_expired(timezone.now()):
        return VerificationError(
            "expired", "These deposits expired after 10 days: send new deposits and confirm those."
        )
    return None


def bank_account_verify(
    *, user: User, bank_account: BankAccount, amounts: Any, request: HttpRequest | None = None
) -> BankAccount:
    """Check the two micro-deposit amounts (any order, constant time). Three wrong attempts suspend the account.

    Raises VerificationError after committing the attempt, so a wrong guess is counted and audited.
    """
    first, second = _validate_deposit_amounts(amounts)
    failure: VerificationError | None = None
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=bank_account.pk, user=user)
        verification = MicroDepositVerification.objects.select_for_update().filter(bank_account=account).first()
        details: dict[str, Any] = {"bank_account_id": str(account.pk)}
        failure = _not_verifiable(account, verification)
        if failure is None and verification is not None:
            now = timezone.now()
            verification.attempts += 1
            details["attempt"] = verification.attempts
            matched = hmac.compare_digest(
                _amounts_token(first, second), _amounts_token(verification.amount_1, verification.amount_2)
            )
            if matched:
                verification.state = MicroDepositVerification.State.SUCCEEDED
                verification.completed_at = now
                account.status = BankAccount.Status.ACTIVE
                account.verified_at = now
            elif verification.attempts >= MicroDepositVerification.MAX_ATTEMPTS:
                verification.state = MicroDepositVerification.State.FAILED
                account.status = BankAccount.Status.SUSPENDED
                failure = VerificationError(
                    "suspended",
                    "Those amounts do not match. That was the last attempt: the account is now suspended; "
                    "contact support.",
                    attempts_left=0,
                )
            else:
                left = verification.attempts_left
                failure = VerificationError(
                    "wrong_amounts",
                    f"Those amounts do not match the deposits. {left} attempt{'s' if left != 1 else ''} left.",
                    attempts_left=left,
                )
            verification.full_clean()
            verification.save()
            validate(account)
            account.save(update_fields=["status", "verified_at", "updated_at"])
        details["result"] = "verified" if failure is None else failure.code
        audit_log(
            action="bank_account.verified" if failure is None else "bank_account.verification_failed",
            user=user,
            request=request,
            details=details,
        )
    if failure is not None:
        raise failure
    return account


@transaction.atomic
def bank_account_resend_deposits(
    *, user: User, bank_account: BankAccount, request: HttpRequest | None = None
) -> MicroDepositVerification:
    """New deposits for a pending account whose previous ones expired (or were never sent)."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk, user=user)
    if account.status != BankAccount.Status.PENDING:
        raise VerificationError("not_pending", "Only an account waiting for verification can get new deposits.")
    verification = MicroDepositVerification.objects.filter(bank_account=account).first()
    if (
        verification is not None
        and verification.state == MicroDepositVerification.State.PENDING
        and not verification.is_expired()
    ):
        raise VerificationError("not_expired", "The current deposits are still valid: confirm those amounts.")
    return send_micro_deposits(account=account)
