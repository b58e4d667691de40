"""Writes for banking: bank accounts, verification, transactions, transfers, budgets.

Every function is keyword-only, atomic, validates with `full_clean()` (after collecting per-field
messages named like the API's fields) and writes an audit event. Balances move with F() expressions
in the same database transaction as the rows that change them.
"""

import datetime
import hmac
import re
import secrets
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from banking import crypto
from banking.models import BankAccount, Budget, Category, DailySpending, MicroDepositVerification, Transaction
from banking.money import get_currency, validate_amount
from banking.validators import normalize_digits, validate_account_number, validate_routing_number
from banking.verification import get_provider
from billing.selectors import bank_account_limit

ACCOUNT_NUMBER_FIELD = "account_number"
EARLIEST_DATE = datetime.date(1900, 1, 1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


# --- helpers ----------------------------------------------------------------------------------------


def account_number_context(bank_account_id) -> bytes:
    return crypto.row_context(BankAccount._meta.db_table, ACCOUNT_NUMBER_FIELD, bank_account_id)


def fingerprint_data(*, user_id, routing_number: str, account_number: str) -> str:
    return f"{user_id}|{routing_number}|{account_number}"


def _text(value: Any, *, field: str, errors: dict, required: bool, max_length: int, label: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(f"Send {label} as text.")
        return ""
    value = value.strip()
    if required and not value:
        errors.setdefault(field, []).append(f"Enter {label}.")
    elif len(value) > max_length:
        errors.setdefault(field, []).append(f"Use at most {max_length} characters for {label}.")
    return value


def _choice(value: Any, *, field: str, errors: dict, choices, label: str) -> str:
    values = [c[0] for c in choices]
    if value not in values:
        errors.setdefault(field, []).append(f"Choose {label}: one of {', '.join(values)}.")
        return ""
    return value


def _amount(value: Any, *, field: str, errors: dict) -> int:
    try:
        validate_amount(value)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
        return 0
    return value


def _date(value: Any, *, field: str, errors: dict, required: bool = True) -> datetime.date | None:
    if value is None or value == "":
        if required:
            errors.setdefault(field, []).append("Enter a date as YYYY-MM-DD.")
        return None
    if isinstance(value, str):
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            value = datetime.date.fromisoformat(value)
        except ValueError:
            errors.setdefault(field, []).append("Enter a real date as YYYY-MM-DD (for example 2025-03-31).")
            return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        errors.setdefault(field, []).append("Enter a real date as YYYY-MM-DD (for example 2025-03-31).")
        return None
    latest = timezone.localdate() + datetime.timedelta(days=366)
    if not EARLIEST_DATE <= value <= latest:
        errors.setdefault(field, []).append(f"Use a date between {EARLIEST_DATE:%Y} and {latest:%Y-%m-%d}.")
        return None
    return value


def _currency(value: Any, *, field: str, errors: dict) -> str:
    try:
        return get_currency(value).code
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
        return ""


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError({field: [ValidationError(m) for m in messages] for field, messages in errors.items()})


def _move_balance(bank_account_id, delta: int) -> None:
    if delta:
        BankAccount.objects.filter(pk=bank_account_id).update(balance=F("balance") + delta)


def _spending_add(*, user_id, day: datetime.date, category: str, currency: str, delta: int) -> None:
    """Move one DailySpending sum by `delta`, creating its row the first time."""
    if not delta:
        return
    key = {"user_id": user_id, "day": day, "category": category, "currency": currency}
    if DailySpending.objects.filter(**key).update(amount=F("amount") + delta):
        return
    try:
        with transaction.atomic():
            DailySpending.objects.create(**key, amount=delta)
    except IntegrityError:  # someone created it meanwhile
        DailySpending.objects.filter(**key).update(amount=F("amount") + delta)


def _spending_track(txn: Transaction, *, sign: int) -> None:
    if txn.is_spending:
        _spending_add(
            user_id=txn.user_id,
            day=txn.transaction_date,
            category=txn.category,
            currency=txn.currency,
            delta=sign * txn.amount,
        )


def _require_usable(bank_account: BankAccount, *, field: str, errors: dict) -> None:
    if bank_account.status == BankAccount.Status.SUSPENDED:
        errors.setdefault(field, []).append("This account is suspended: contact support to reactivate it.")
    elif bank_account.status != BankAccount.Status.ACTIVE:
        errors.setdefault(field, []).append("This account is not verified yet: confirm its two micro-deposits first.")


# --- bank accounts --------------------------------------------------------------------------------


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
    if not isinstance(account_number, str):
        errors["account_number"] = ["Send the account number as a string of digits."]
        account_number = ""
    else:
        account_number = normalize_digits(account_number)
        try:
            validate_account_number(account_number)
        except ValidationError as error:
            errors["account_number"] = error.messages
    if not isinstance(routing_number, str):
        errors["routing_number"] = ["Send the routing number as a string of 9 digits."]
        routing_number = ""
    else:
        routing_number = normalize_digits(routing_number)
        try:
            validate_routing_number(routing_number)
        except ValidationError as error:
            errors["routing_number"] = error.messages
    bank_name = _text(
        bank_name, field="bank_name", errors=errors, required=True, max_length=100, label="the bank's name"
    )
    nickname = _text(nickname, field="nickname", errors=errors, required=False, max_length=100, label="the nickname")
    account_type = _choice(
        account_type, field="account_type", errors=errors, choices=BankAccount.AccountType.choices, label="a type"
    )
    currency = _currency(currency if currency not in (None, "") else "USD", field="currency", errors=errors)
    _raise_if(errors)

    # One account creation at a time per user, so two tabs cannot both slip under the plan limit.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    limit = bank_account_limit(user=user)
    if limit is not None and BankAccount.objects.filter(user=user).count() >= limit:
        raise BankAccountLimitReached(limit)

    ring = crypto.get_key_ring()
    data = fingerprint_data(user_id=user.pk, routing_number=routing_number, account_number=account_number)
    if BankAccount.objects.filter(user=user, account_fingerprint__in=ring.fingerprints(data)).exists():
        raise DuplicateBankAccount()

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
    account.account_number_encrypted = ring.encrypt(account_number, context=account_number_context(account.pk))
    account.account_fingerprint = ring.fingerprint(data)
    account.full_clean(validate_constraints=False)
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
    user_data_changed(user.pk)
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
        user=account.user,
        request=request,
        details={"bank_account_id": str(account.pk), "provider": provider.name},
    )
    user_data_changed(account.user_id)
    return verification


def _validate_deposit_amounts(amounts: Any) -> tuple[int, int]:
    message = "Send the two deposit amounts as a list of two whole numbers of cents from 1 to 99, e.g. [32, 45]."
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
            account.full_clean(validate_constraints=False)
            account.save(update_fields=["status", "verified_at", "updated_at"])
        details["result"] = "verified" if failure is None else failure.code
        audit_log(
            action="bank_account.verified" if failure is None else "bank_account.verification_failed",
            user=user,
            request=request,
            details=details,
        )
        user_data_changed(user.pk)
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
    user_data_changed(user.pk)
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


@transaction.atomic
def bank_account_suspend(*, actor: User, bank_account: BankAccount, request: HttpRequest | None = None) -> BankAccount:
    """Staff action: freeze the account (no new transactions or transfers)."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    previous = account.status
    account.status = BankAccount.Status.SUSPENDED
    account.save(update_fields=["status", "updated_at"])
    audit_log(
        action="bank_account.suspended",
        user=actor,
        request=request,
        details={"bank_account_id": str(account.pk), "owner_id": str(account.user_id), "previous": previous},
    )
    user_data_changed(account.user_id)
    return account


@transaction.atomic
def bank_account_activate(*, actor: User, bank_account: BankAccount, request: HttpRequest | None = None) -> BankAccount:
    """Staff action: a verified account becomes active again; an unverified one gets fresh deposits."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    previous = account.status
    if account.is_verified:
        account.status = BankAccount.Status.ACTIVE
        account.save(update_fields=["status", "updated_at"])
    else:
        account.status = BankAccount.Status.PENDING
        account.save(update_fields=["status", "updated_at"])
        _send_micro_deposits(account=account, request=request)
    audit_log(
        action="bank_account.activated",
        user=actor,
        request=request,
        details={"bank_account_id": str(account.pk), "owner_id": str(account.user_id), "previous": previous},
    )
    user_data_changed(account.user_id)
    return account


# --- transactions ---------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "amount",
    "type",
    "status",
    "description",
    "category",
    "merchant_name",
    "transaction_date",
    "posting_date",
    "external_id",
)
TRANSFER_EDITABLE_FIELDS = ("description", "category", "merchant_name")


def _clean_transaction_fields(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Validate whichever of EDITABLE_FIELDS are present; return them cleaned."""
    cleaned: dict[str, Any] = {}
    if "amount" in values:
        cleaned["amount"] = _amount(values["amount"], field="amount", errors=errors)
    if "type" in values:
        if values["type"] == Transaction.Type.TRANSFER:
            errors.setdefault("type", []).append(
                "Move money between your accounts with a transfer (the Transfer form or POST /api/transfers)."
            )
        else:
            cleaned["type"] = _choice(
                values["type"],
                field="type",
                errors=errors,
                choices=[c for c in Transaction.Type.choices if c[0] != "transfer"],
                label="a type",
            )
    if "status" in values:
        cleaned["status"] = _choice(
            values["status"], field="status", errors=errors, choices=Transaction.Status.choices, label="a status"
        )
    if "description" in values:
        cleaned["description"] = _text(
            values["description"],
            field="description",
            errors=errors,
            required=True,
            max_length=255,
            label="a description",
        )
    if "category" in values:
        cleaned["category"] = _choice(
            values["category"] if values["category"] not in (None, "") else Category.OTHER,
            field="category",
            errors=errors,
            choices=Category.choices,
            label="a category",
        )
    if "merchant_name" in values:
        cleaned["merchant_name"] = _text(
            values["merchant_name"],
            field="merchant_name",
            errors=errors,
            required=False,
            max_length=100,
            label="the merchant",
        )
    if "transaction_date" in values:
        cleaned["transaction_date"] = _date(values["transaction_date"], field="transaction_date", errors=errors)
    if "posting_date" in values:
        cleaned["posting_date"] = _date(values["posting_date"], field="posting_date", errors=errors, required=False)
    if "external_id" in values:
        cleaned["external_id"] = _text(
            values["external_id"],
            field="external_id",
            errors=errors,
            required=False,
            max_length=100,
            label="the external id",
        )
    return cleaned


def _check_dates(txn: Transaction, errors: dict) -> None:
    if txn.posting_date and txn.transaction_date and txn.posting_date < txn.transaction_date:
        errors.setdefault("posting_date", []).append("The posting date cannot be before the transaction date.")


def _full_clean_transaction(txn: Transaction) -> None:
    # The check constraints mirror what the helpers above already validated (and the database enforces
    # them again); checking them here would cost one query each.
    try:
        txn.full_clean(validate_constraints=False)
    except ValidationError as error:
        fields = error.message_dict
        if "bank_account" in fields:
            fields["bank_account_id"] = fields.pop("bank_account")
        raise ValidationError(fields) from None
    if (
        txn.external_id
        and Transaction.objects.filter(bank_account_id=txn.bank_account_id, external_id=txn.external_id)
        .exclude(pk=txn.pk)
        .exists()
    ):
        raise ValidationError({"external_id": ["Another transaction of this account already has this external id."]})


def _signed(amount: int, type_: str, *, outflow: bool = False) -> int:
    if type_ == Transaction.Type.DEBIT or (type_ == Transaction.Type.TRANSFER and outflow):
        return -amount
    return amount


@transaction.atomic
def transaction_create(
    *,
    user: User,
    bank_account: BankAccount,
    amount: Any,
    type: str,
    transaction_date: Any,
    description: str,
    category: str = Category.OTHER,
    status: str = Transaction.Status.COMPLETED,
    merchant_name: str = "",
    posting_date: Any = None,
    external_id: str = "",
    request: HttpRequest | None = None,
) -> Transaction:
    """Record a debit or credit on one of the user's active accounts."""
    if bank_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    errors: dict[str, list[str]] = {}
    values = {
        "amount": amount,
        "type": type,
        "status": status,
        "description": description,
        "category": category,
        "merchant_name": merchant_name,
        "transaction_date": transaction_date,
        "posting_date": posting_date,
        "external_id": external_id,
    }
    cleaned = _clean_transaction_fields(values, errors)
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    _require_usable(account, field="bank_account_id", errors=errors)
    txn = Transaction(user=user, bank_account=account, currency=account.currency, **cleaned)
    if not errors:
        txn.signed_amount = _signed(txn.amount, txn.type)
        _check_dates(txn, errors)
    _raise_if(errors)
    _full_clean_transaction(txn)
    txn.save(force_insert=True)
    _move_balance(account.pk, txn.balance_effect)
    _spending_track(txn, sign=1)
    audit_log(
        action="transaction.created",
        user=user,
        request=request,
        details={"transaction_id": str(txn.pk), "bank_account_id": str(account.pk)},
    )
    user_data_changed(user.pk)
    return txn


@transaction.atomic
def transaction_update(
    *, user: User, txn: Transaction, changes: dict[str, Any], request: HttpRequest | None = None
) -> Transaction:
    """Change some fields of a transaction; a transfer leg only changes its description, category, merchant."""
    row = Transaction.objects.select_for_update().select_related("bank_account").get(pk=txn.pk, user=user)
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    for name in unknown:
        errors.setdefault(name, []).append("This field cannot be changed.")
    if row.is_transfer:
        for name in sorted(set(changes) & (set(EDITABLE_FIELDS) - set(TRANSFER_EDITABLE_FIELDS))):
            if changes[name] != getattr(row, name):
                errors.setdefault(name, []).append(
                    "A transfer's amount, dates and status cannot change: delete the transfer and make a new one."
                )
    cleaned = _clean_transaction_fields({k: v for k, v in changes.items() if k in EDITABLE_FIELDS}, errors)
    if row.bank_account.status == BankAccount.Status.SUSPENDED:
        errors.setdefault("bank_account_id", []).append("This account is suspended: its transactions cannot change.")
    _raise_if(errors)
    before = row.balance_effect
    _spending_track(row, sign=-1)
    for name, value in cleaned.items():
        setattr(row, name, value)
    if not row.is_transfer:
        row.signed_amount = _signed(row.amount, row.type)
    _check_dates(row, errors)
    _raise_if(errors)
    _full_clean_transaction(row)
    row.save()
    _move_balance(row.bank_account_id, row.balance_effect - before)
    _spending_track(row, sign=1)
    audit_log(
        action="transaction.updated",
        user=user,
        request=request,
        details={"transaction_id": str(row.pk), "fields": sorted(cleaned)},
    )
    user_data_changed(user.pk)
    return row


@transaction.atomic
def transaction_delete(*, user: User, txn: Transaction, request: HttpRequest | None = None) -> int:
    """Remove a transaction; removing either leg of a transfer removes both. Returns how many rows went."""
    locked = Transaction.objects.select_for_update().get(pk=txn.pk, user=user)
    if locked.transfer_pair_id is not None:
        rows = list(Transaction.objects.select_for_update().filter(user=user, transfer_pair_id=locked.transfer_pair_id))
    else:
        rows = [locked]
    for row in rows:
        _move_balance(row.bank_account_id, -row.balance_effect)
        _spending_track(row, sign=-1)
    Transaction.objects.filter(pk__in=[row.pk for row in rows]).delete()
    audit_log(
        action="transaction.deleted",
        user=user,
        request=request,
        details={"transaction_ids": [str(row.pk) for row in rows]},
    )
    user_data_changed(user.pk)
    return len(rows)


@transaction.atomic
def transfer_create(
    *,
    user: User,
    from_account: BankAccount,
    to_account: BankAccount,
    amount: Any,
    transaction_date: Any,
    description: str = "",
    request: HttpRequest | None = None,
) -> tuple[Transaction, Transaction]:
    """Move money between two of the user's active accounts in one currency: two linked transactions."""
    if from_account.user_id != user.pk or to_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    errors: dict[str, list[str]] = {}
    amount = _amount(amount, field="amount", errors=errors)
    transaction_date = _date(transaction_date, field="transaction_date", errors=errors)
    description = _text(
        description, field="description", errors=errors, required=False, max_length=255, label="a description"
    )
    # Lock both rows in a fixed order so two opposite transfers cannot deadlock.
    locked = {a.pk: a for a in BankAccount.objects.select_for_update().filter(pk__in=[from_account.pk, to_account.pk])}
    source, target = locked[from_account.pk], locked[to_account.pk]
    if source.pk == target.pk:
        errors.setdefault("to_account_id", []).append("Choose a different account to transfer to.")
    else:
        _require_usable(source, field="from_account_id", errors=errors)
        _require_usable(target, field="to_account_id", errors=errors)
        if source.currency != target.currency:
            errors.setdefault("to_account_id", []).append(
                f"Transfers stay in one currency: this account holds {target.currency}, the other {source.currency}."
            )
    _raise_if(errors)
    pair_id = uuid.uuid4()
    now = timezone.now()
    common = {
        "user": user,
        "amount": amount,
        "currency": source.currency,
        "type": Transaction.Type.TRANSFER,
        "status": Transaction.Status.COMPLETED,
        "category": Category.TRANSFER,
        "transaction_date": transaction_date,
        "posting_date": transaction_date,
        "transfer_pair_id": pair_id,
        "created_at": now,
    }
    outgoing = Transaction(
        bank_account=source,
        signed_amount=-amount,
        description=description or f"Transfer to {target.display_name} ····{target.last4}",
        merchant_name="",
        **common,
    )
    incoming = Transaction(
        bank_account=target,
        signed_amount=amount,
        description=description or f"Transfer from {source.display_name} ····{source.last4}",
        merchant_name="",
        **common,
    )
    for txn in (outgoing, incoming):
        _full_clean_transaction(txn)
    Transaction.objects.bulk_create([outgoing, incoming])
    _move_balance(source.pk, -amount)
    _move_balance(target.pk, amount)
    audit_log(
        action="transfer.created",
        user=user,
        request=request,
        details={
            "transfer_pair_id": str(pair_id),
            "from_account_id": str(source.pk),
            "to_account_id": str(target.pk),
        },
    )
    user_data_changed(user.pk)
    return outgoing, incoming


# --- budgets --------------------------------------------------------------------------------------

# Budgets track spending (debits); money coming in and moves between own accounts never count.
BUDGET_CATEGORIES = [c for c in Category.choices if c[0] not in (Category.INCOME, Category.TRANSFER)]
BUDGET_FIELDS = ("name", "category", "amount", "currency", "period", "start_date", "end_date", "is_active")


def _clean_budget_fields(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = _text(
            values["name"], field="name", errors=errors, required=True, max_length=100, label="a name"
        )
    if "category" in values:
        cleaned["category"] = _choice(
            values["category"], field="category", errors=errors, choices=BUDGET_CATEGORIES, label="a spending category"
        )
    if "amount" in values:
        cleaned["amount"] = _amount(values["amount"], field="amount", errors=errors)
    if "currency" in values:
        cleaned["currency"] = _currency(values["currency"], field="currency", errors=errors)
    if "period" in values:
        cleaned["period"] = _choice(
            values["period"], field="period", errors=errors, choices=Budget.Period.choices, label="a period"
        )
    if "start_date" in values:
        cleaned["start_date"] = _date(values["start_date"], field="start_date", errors=errors)
    if "end_date" in values:
        cleaned["end_date"] = _date(values["end_date"], field="end_date", errors=errors, required=False)
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            errors.setdefault("is_active", []).append("Send is_active as true or false.")
        else:
            cleaned["is_active"] = values["is_active"]
    return cleaned


def _check_budget(budget: Budget, errors: dict) -> None:
    if budget.start_date and budget.end_date and budget.end_date < budget.start_date:
        errors.setdefault("end_date", []).append("The end date is before the start date: pick a later end date.")


@transaction.atomic
def budget_create(
    *,
    user: User,
    name: str,
    category: str,
    amount: Any,
    currency: str = "USD",
    period: str = Budget.Period.MONTHLY,
    start_date: Any = None,
    end_date: Any = None,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> Budget:
    """A spending limit for one category and currency, per week, month or year."""
    errors: dict[str, list[str]] = {}
    values = {
        "name": name,
        "category": category,
        "amount": amount,
        "currency": currency if currency not in (None, "") else "USD",
        "period": period if period not in (None, "") else Budget.Period.MONTHLY,
        "start_date": start_date if start_date is not None else timezone.localdate(),
        "end_date": end_date,
        "is_active": is_active,
    }
    cleaned = _clean_budget_fields(values, errors)
    budget = Budget(user=user, **cleaned)
    _check_budget(budget, errors)
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    if Budget.objects.filter(user=user).count() >= Budget.MAX_PER_USER:
        errors.setdefault("__all__", []).append(
            f"You can have up to {Budget.MAX_PER_USER} budgets: delete one you no longer use."
        )
    _raise_if(errors)
    budget.full_clean()
    budget.save(force_insert=True)
    audit_log(action="budget.created", user=user, request=request, details={"budget_id": str(budget.pk)})
    user_data_changed(user.pk)
    return budget


@transaction.atomic
def budget_update(*, user: User, budget: Budget, changes: dict[str, Any], request: HttpRequest | None = None) -> Budget:
    budget = Budget.objects.select_for_update().get(pk=budget.pk, user=user)
    errors: dict[str, list[str]] = {}
    for name in sorted(set(changes) - set(BUDGET_FIELDS)):
        errors.setdefault(name, []).append("This field cannot be changed.")
    cleaned = _clean_budget_fields({k: v for k, v in changes.items() if k in BUDGET_FIELDS}, errors)
    _raise_if(errors)
    for name, value in cleaned.items():
        setattr(budget, name, value)
    _check_budget(budget, errors)
    _raise_if(errors)
    budget.full_clean()
    budget.save()
    audit_log(
        action="budget.updated",
        user=user,
        request=request,
        details={"budget_id": str(budget.pk), "fields": sorted(cleaned)},
    )
    user_data_changed(user.pk)
    return budget


@transaction.atomic
def budget_delete(*, user: User, budget: Budget, request: HttpRequest | None = None) -> None:
    budget = Budget.objects.select_for_update().get(pk=budget.pk, user=user)
    audit_log(action="budget.deleted", user=user, request=request, details={"budget_id": str(budget.pk)})
    user_data_changed(user.pk)
    budget.delete()


# --- bulk maintenance -----------------------------------------------------------------------------


@transaction.atomic
def spending_rebuild(*, user: User) -> None:
    """Recompute the user's DailySpending rows from their transactions (one grouped query)."""
    DailySpending.objects.filter(user=user).delete()
    groups = (
        Transaction.objects.filter(user=user, type=Transaction.Type.DEBIT)
        .exclude(status=Transaction.Status.FAILED)
        .order_by()
        .values("transaction_date", "category", "currency")
        .annotate(total=Sum("amount"))
    )
    DailySpending.objects.bulk_create(
        (
            DailySpending(
                user=user, day=g["transaction_date"], category=g["category"], currency=g["currency"], amount=g["total"]
            )
            for g in groups.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )
    user_data_changed(user.pk)


def bank_account_balances_recompute(*, user: User) -> None:
    """Set each of the user's balances to the signed sum of its completed transactions (after bulk loads)."""
    completed = (
        Transaction.objects.filter(bank_account=OuterRef("pk"), status=Transaction.Status.COMPLETED)
        .order_by()
        .values("bank_account")
        .annotate(total=Sum("signed_amount"))
        .values("total")
    )
    BankAccount.objects.filter(user=user).update(balance=Coalesce(Subquery(completed), Value(0)))
    user_data_changed(user.pk)
