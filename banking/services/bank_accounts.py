"""Writes for bank accounts: link (encrypted number, plan limit, duplicates), micro-deposit verification,
removal, the audited number reveal, and the staff actions."""

import datetime
import hmac
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from banking import crypto
from banking.models import BankAccount, MicroDepositVerification
from banking.services.balances import spending_rebuild
from banking.services.base import raise_if, user_lock, validate
from banking.validators import normalize_digits, validate_account_number, validate_routing_number
from banking.verification import get_provider
from billing.selectors import bank_account_limit

ACCOUNT_NUMBER_FIELD = "account_number"


class BankAccountLimitReached(Exception):
    """The user's plan allows no more linked accounts."""

    def __init__(self, limit: int):
        super().__init__(f"Your plan allows {limit} linked bank account{'s' if limit != 1 else ''}.")
        self.limit = limit


class DuplicateBankAccount(Exception):
    """This user already linked the same account number at the same routing number."""

    def __init__(self):
        super().__init__("You already linked this account (same account and routing number).")


class VerificationError(Exception):
    """A verification attempt that did not verify; `code` says why, `message` says what to do."""

    def __init__(self, code: str, message: str, *, attempts_left: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.attempts_left = attempts_left


def account_number_context(bank_account_id) -> bytes:
    return crypto.row_context(BankAccount._meta.db_table, ACCOUNT_NUMBER_FIELD, bank_account_id)


def fingerprint_data(*, user_id, routing_number: str, account_number: str) -> str:
    return f"{user_id}|{routing_number}|{account_number}"


def _identifier(value: Any, validator, errors: dict[str, list[str]], field: str) -> str:
    """A number as typed (spaces and dashes dropped), or "" with the validator's message in `errors`."""
    number = normalize_digits(value) if isinstance(value, str) else value
    try:
        validator(number)
    except ValidationError as error:
        errors[field] = error.messages
        return ""
    return number


@transaction.atomic
def bank_account_create(
    *,
    user: User,
    account_number: str,
    routing_number: str,
    bank_name: str,
    account_type: str,
    nickname: str = "",
    currency: str = "USD",
    request: HttpRequest | None = None,
) -> BankAccount:
    """Link an account: validate, enforce the plan limit and uniqueness, encrypt, then send micro-deposits."""
    errors: dict[str, list[str]] = {}
    account_number = _identifier(account_number, validate_account_number, errors, "account_number")
    routing_number = _identifier(routing_number, validate_routing_number, errors, "routing_number")
    account = BankAccount(
        user=user,
        bank_name=bank_name,
        nickname=nickname,
        account_type=account_type,
        currency=currency,
        routing_number=routing_number,
        last4=account_number[-4:],
        status=BankAccount.Status.PENDING,
    )
    try:
        validate(account, exclude=["account_number_encrypted", "account_fingerprint", "routing_number", "last4"])
    except ValidationError as error:
        errors.update(error.message_dict)
    raise_if(errors)

    # One account creation at a time per user, so two tabs cannot both slip under the plan limit.
    user_lock(user)
    limit = bank_account_limit(user=user)
    if limit is not None and BankAccount.objects.filter(user=user).count() >= limit:
        raise BankAccountLimitReached(limit)

    ring = crypto.get_key_ring()
    data = fingerprint_data(user_id=user.pk, routing_number=routing_number, account_number=account_number)
    if BankAccount.objects.filter(user=user, account_fingerprint__in=ring.fingerprints(data)).exists():
        raise DuplicateBankAccount()
    account.account_number_encrypted = ring.encrypt(account_number, context=account_number_context(account.pk))
    account.account_fingerprint = ring.fingerprint(data)
    try:
        with transaction.atomic():
            account.save(force_insert=True)
    except IntegrityError:
        raise DuplicateBankAccount() from None
    audit_log(
        action="bank_account.created",
        user=user,
        request=request,
        details={"bank_account_id": str(account.pk), "last4": account.last4, "account_type": account_type},
    )
    _send_micro_deposits(account=account, request=request)
    return account


def _send_micro_deposits(*, account: BankAccount, request: HttpRequest | None) -> MicroDepositVerification:
    amounts = (secrets.randbelow(99) + 1, secrets.randbelow(99) + 1)
    provider = get_provider()
    reference = provider.send_micro_deposits(bank_account=account, amounts=amounts)
    now = timezone.now()
    verification, _ = MicroDepositVerification.objects.update_or_create(
        bank_account=account,
        defaults={
            "amount_1": amounts[0],
            "amount_2": amounts[1],
            "attempts": 0,
            "state": MicroDepositVerification.State.PENDING,
            "provider": provider.name,
            "provider_reference": reference or "",
            "sent_at": now,
            "expires_at": now + datetime.timedelta(days=MicroDepositVerification.VALID_DAYS),
            "completed_at": None,
        },
    )
    audit_log(
        action="bank_account.micro_deposits_sent",
        user_id=account.user_id,
        request=request,
        details={"bank_account_id": str(account.pk), "provider": provider.name},
    )
    return verification


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
        now = timezone.now()
        if account.is_verified and account.status == BankAccount.Status.ACTIVE:
            failure = VerificationError("already_verified", "This account is already verified.")
        elif account.status == BankAccount.Status.SUSPENDED:
            failure = VerificationError(
                "suspended", "This account is suspended after too many wrong attempts: contact support."
            )
        elif verification is None or verification.state != MicroDepositVerification.State.PENDING:
            failure = VerificationError("no_deposits", "There are no deposits to confirm: send new ones first.")
        elif verification.is_expired(now):
            failure = VerificationError(
                "expired", "These deposits expired after 10 days: send new deposits and confirm those."
            )
        else:
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
    return _send_micro_deposits(account=account, request=request)


@transaction.atomic
def bank_account_delete(*, user: User, bank_account: BankAccount, request: HttpRequest | None = None) -> None:
    """Remove the account with its transactions and verification."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk, user=user)
    audit_log(
        action="bank_account.deleted",
        user=user,
        request=request,
        details={"bank_account_id": str(account.pk), "last4": account.last4},
    )
    account.delete()
    spending_rebuild(user=user)


def bank_account_reveal_number(*, user: User, bank_account: BankAccount, request: HttpRequest | None = None) -> str:
    """Decrypt the full account number for its owner; the reveal itself is audited."""
    if bank_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    with transaction.atomic():
        audit_log(
            action="bank_account.number_revealed",
            user=user,
            request=request,
            details={"bank_account_id": str(bank_account.pk)},
        )
    return crypto.get_key_ring().decrypt(
        bank_account.account_number_encrypted, context=account_number_context(bank_account.pk)
    )


def _staff_set_status(account: BankAccount, status: str) -> str:
    previous = account.status
    account.status = status
    account.save(update_fields=["status", "updated_at"])
    return previous


@transaction.atomic
def bank_account_suspend(*, actor: User, bank_account: BankAccount, request: HttpRequest | None = None) -> BankAccount:
    """Staff action: freeze the account (no new transactions or transfers)."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    previous = _staff_set_status(account, BankAccount.Status.SUSPENDED)
    audit_log(
        action="bank_account.suspended",
        user=actor,
        request=request,
        details={"bank_account_id": str(account.pk), "owner_id": str(account.user_id), "previous": previous},
    )
    return account


@transaction.atomic
def bank_account_activate(*, actor: User, bank_account: BankAccount, request: HttpRequest | None = None) -> BankAccount:
    """Staff action: a verified account becomes active again; an unverified one gets fresh deposits."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    if account.is_verified:
        previous = _staff_set_status(account, BankAccount.Status.ACTIVE)
    else:
        previous = _staff_set_status(account, BankAccount.Status.PENDING)
        _send_micro_deposits(account=account, request=request)
    audit_log(
        action="bank_account.activated",
        user=actor,
        request=request,
        details={"bank_account_id": str(account.pk), "owner_id": str(account.user_id), "previous": previous},
    )
    return account
