"""Writes for bank accounts: link one (identifier per scheme, encrypted; plan limit; duplicates), edit, close
and reopen, removal, the audited number reveal, and the staff actions. Verification is in micro_deposits."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from banking import crypto
from banking.identifiers import SCHEME_COUNTRY, Identifier, Scheme, parse_identifier, stored_identifier
from banking.models import BankAccount
from banking.money import default_currency
from banking.selectors.bank_accounts import limited_account_count
from banking.services.balances import balances_recompute, spending_rebuild
from banking.services.base import pick, raise_if, user_lock, validate
from banking.services.micro_deposits import send_micro_deposits
from billing.selectors import bank_account_limit

ACCOUNT_NUMBER_FIELD = "account_number"
SECRET_FIELDS = ["account_number_encrypted", "account_fingerprint"]
ACCOUNT_EDITABLE_FIELDS = ("nickname", "bank_name", "opening_balance", "opening_balance_date", "status")


class BankAccountLimitReached(Exception):
    """The user's plan allows no more linked accounts."""

    def __init__(self, limit: int):
        super().__init__(f"Your plan allows {limit} linked bank account{'s' if limit != 1 else ''}.")
        self.limit = limit


class DuplicateBankAccount(Exception):
    """This user already linked the same identifier (same scheme)."""

    def __init__(self):
        super().__init__("You already linked this account (the same account number, IBAN or sort code).")


def account_number_context(bank_account_id) -> bytes:
    return crypto.row_context(BankAccount._meta.db_table, ACCOUNT_NUMBER_FIELD, bank_account_id)


def _country_and_currency(
    identifier: Identifier | None, country: str | None, currency: str | None, errors: dict[str, list[str]]
) -> tuple[str, str]:
    """The account's country (given, or implied by its identifier) and currency (given, or the country's)."""
    implied = (identifier.country or SCHEME_COUNTRY.get(identifier.scheme, "")) if identifier else ""
    if country and implied and country != implied:
        what = "IBAN" if identifier and identifier.scheme == Scheme.IBAN else "identifier"
        errors["country"] = [f"This {what} belongs to {implied}: send country {implied}, or leave it out."]
    country = country or implied
    currency = currency or default_currency(country)
    if not currency:
        errors.setdefault("currency", []).append(f"Choose the account's currency: we cannot tell it from {country}.")
    return country, currency or ""


@transaction.atomic
def bank_account_create(
    *,
    user: User,
    account_type: str,
    bank_name: str = "",
    nickname: str = "",
    currency: str | None = None,
    country: str | None = None,
    scheme: str | None = None,
    account_number: str | None = None,
    routing_number: str | None = None,
    iban: str | None = None,
    bic: str | None = None,
    sort_code: str | None = None,
    opening_balance: int = 0,
    opening_balance_date: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> BankAccount:
    """Add an account: validate its identifier, enforce the plan limit (cash is free) and uniqueness, encrypt,
    then send micro-deposits to a `us_ach` account; every other scheme is active at once."""
    errors: dict[str, list[str]] = {}
    values = {"account_number": account_number, "routing_number": routing_number, "iban": iban, "bic": bic,
              "sort_code": sort_code}  # fmt: skip
    identifier: Identifier | None = None
    try:
        identifier = parse_identifier(scheme=scheme, values=values)
    except ValidationError as error:
        errors.update(error.message_dict)
    country, currency = _country_and_currency(identifier, country, currency, errors)
    if opening_balance_date is None and opening_balance:
        opening_balance_date = timezone.localdate()
    verifies = identifier is not None and identifier.scheme == Scheme.US_ACH
    account = BankAccount(
        user=user,
        bank_name=bank_name,
        nickname=nickname,
        account_type=account_type,
        scheme=identifier.scheme if identifier else (scheme or ""),
        country=country,
        currency=currency,
        routing_number=identifier.routing_number if identifier else "",
        sort_code=identifier.sort_code if identifier else "",
        bic=identifier.bic if identifier else "",
        last4=identifier.last4 if identifier else "",
        status=BankAccount.Status.PENDING if verifies else BankAccount.Status.ACTIVE,
        verification_method=(
            BankAccount.VerificationMethod.MICRO_DEPOSITS if verifies else BankAccount.VerificationMethod.NONE
        ),
        opening_balance=opening_balance,
        opening_balance_date=opening_balance_date,
        balance=opening_balance if isinstance(opening_balance, int) else 0,
    )
    try:
        validate(account, exclude=SECRET_FIELDS)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name == "scheme" and errors:  # a bad identifier already says what is missing
                continue
            errors.setdefault(name, messages)
    raise_if(errors)
    assert identifier is not None

    # One account creation at a time per user, so two tabs cannot both slip under the plan limit.
    user_lock(user)
    if not account.is_cash:
        limit = bank_account_limit(user=user)
        if limit is not None and limited_account_count(user=user) >= limit:
            raise BankAccountLimitReached(limit)

    if identifier.scheme != Scheme.NONE:
        ring = crypto.get_key_ring()
        data = identifier.fingerprint_data(user.pk)
        if BankAccount.objects.filter(user=user, account_fingerprint__in=ring.fingerprints(data)).exists():
            raise DuplicateBankAccount()
        account.account_number_encrypted = ring.encrypt(identifier.secret, context=account_number_context(account.pk))
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
        details={
            "bank_account_id": str(account.pk),
            "last4": account.last4,
            "account_type": account_type,
            "scheme": account.scheme,
        },
    )
    if verifies:
        send_micro_deposits(account=account)
    return account


def _lock(user: User, bank_account: BankAccount) -> BankAccount:
    return BankAccount.objects.select_for_update().get(pk=bank_account.pk, user=user)


def _close(account: BankAccount, *, user: User, request: HttpRequest | None) -> None:
    if account.is_closed:
        raise_if({"status": ["This account is already closed."]})
    if account.status == BankAccount.Status.SUSPENDED:
        raise_if({"status": ["This account is suspended: contact support before closing it."]})
    account.status = BankAccount.Status.CLOSED
    account.closed_at = timezone.now()
    account.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(action="bank_account.closed", user=user, request=request, details={"bank_account_id": str(account.pk)})


def _reopen(account: BankAccount, *, user: User, request: HttpRequest | None) -> None:
    if not account.is_closed:
        raise_if({"status": ["This account is open: only a closed account can be reopened."]})
    ready = account.is_verified or not account.needs_verification
    account.status = BankAccount.Status.ACTIVE if ready else BankAccount.Status.PENDING
    account.closed_at = None
    account.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(action="bank_account.reopened", user=user, request=request, details={"bank_account_id": str(account.pk)})


@transaction.atomic
def bank_account_close(*, user: User, bank_account: BankAccount, request: HttpRequest | None = None) -> BankAccount:
    """Close an account: it keeps its history, takes no new transactions and leaves the totals."""
    account = _lock(user, bank_account)
    _close(account, user=user, request=request)
    return account


@transaction.atomic
def bank_account_reopen(*, user: User, bank_account: BankAccount, request: HttpRequest | None = None) -> BankAccount:
    """Reopen a closed account: active again, or pending if its deposits were never confirmed."""
    account = _lock(user, bank_account)
    _reopen(account, user=user, request=request)
    return account


@transaction.atomic
def bank_account_update(
    *, user: User, bank_account: BankAccount, changes: dict[str, Any], request: HttpRequest | None = None
) -> BankAccount:
    """Rename an account, change its opening balance, close it (`status: closed`) or reopen it (`active`)."""
    account = _lock(user, bank_account)
    errors = pick(changes, ACCOUNT_EDITABLE_FIELDS)
    raise_if(errors)
    status = changes.get("status")
    fields = {name: value for name, value in changes.items() if name != "status"}
    if status not in (None, BankAccount.Status.CLOSED, BankAccount.Status.ACTIVE):
        raise_if({"status": ["Send “closed” to close the account, or “active” to reopen it."]})
    # An opening balance is as of a day: today unless one is given.
    if fields.get("opening_balance") and fields.get("opening_balance_date", account.opening_balance_date) is None:
        fields["opening_balance_date"] = timezone.localdate()
    changed = sorted(name for name, value in fields.items() if getattr(account, name) != value)
    for name in changed:
        setattr(account, name, fields[name])
    validate(account, exclude=SECRET_FIELDS)
    if changed:
        account.save(update_fields=[*changed, "updated_at"])
        if {"opening_balance", "opening_balance_date"} & set(changed):
            balances_recompute(BankAccount.objects.filter(pk=account.pk))
            account.refresh_from_db(fields=["balance"])
        audit_log(
            action="bank_account.updated",
            user=user,
            request=request,
            details={"bank_account_id": str(account.pk), "fields": changed},
        )
    if status == BankAccount.Status.CLOSED:
        _close(account, user=user, request=request)
    elif status == BankAccount.Status.ACTIVE:
        _reopen(account, user=user, request=request)
    return account


@transaction.atomic
def bank_account_delete(*, user: User, bank_account: BankAccount, request: HttpRequest | None = None) -> None:
    """Remove the account with its transactions and verification."""
    account = _lock(user, bank_account)
    audit_log(
        action="bank_account.deleted",
        user=user,
        request=request,
        details={"bank_account_id": str(account.pk), "last4": account.last4},
    )
    account.delete()
    spending_rebuild(user=user)


def bank_account_reveal_number(*, user: User, bank_account: BankAccount, request: HttpRequest | None = None) -> str:
    """Decrypt the full identifier (account number or IBAN) for its owner; the reveal itself is audited."""
    if bank_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    if not bank_account.account_number_encrypted:
        return ""
    with transaction.atomic():
        audit_log(
            action="bank_account.number_revealed",
            user=user,
            request=request,
            details={"bank_account_id": str(bank_account.pk)},
        )
    secret = crypto.get_key_ring().decrypt(
        bank_account.account_number_encrypted, context=account_number_context(bank_account.pk)
    )
    return stored_identifier(scheme=bank_account.scheme, secret=secret).display()


def _staff_set_status(account: BankAccount, status: str) -> str:
    previous = account.status
    account.status = status
    account.closed_at = None
    account.save(update_fields=["status", "closed_at", "updated_at"])
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
    """Staff action: a verified account (or one that needs no verification) becomes active again; an
    unverified one gets fresh deposits."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    if account.is_verified or not account.needs_verification:
        previous = _staff_set_status(account, BankAccount.Status.ACTIVE)
    else:
        previous = _staff_set_status(account, BankAccount.Status.PENDING)
        send_micro_deposits(account=account)
    audit_log(
        action="bank_account.activated",
        user=actor,
        request=request,
        details={"bank_account_id": str(account.pk), "owner_id": str(account.user_id), "previous": previous},
    )
    return account
