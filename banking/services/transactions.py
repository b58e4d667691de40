"""Writes for transactions and transfers. Each keeps its account's balance and the daily spending sums in
step, in the same database transaction."""

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.services import user_data_changed
from banking.models import BankAccount, Category, Transaction
from banking.money import validate_amount
from banking.services.balances import balance_move, spending_track
from banking.services.base import pick, raise_if, validate
from banking.services.rules import rules_apply_to_new

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


VERIFICATION_CATEGORY_MESSAGE = "The verification category is kept for the verification deposits: choose another."


def _usable_errors(bank_account: BankAccount, *, field: str) -> dict[str, list[str]]:
    """Why this account takes no new money movements, if it does not."""
    if bank_account.status == BankAccount.Status.CLOSED:
        return {field: ["This account is closed: reopen it to add transactions."]}
    if bank_account.status == BankAccount.Status.SUSPENDED:
        return {field: ["This account is suspended: contact support to reactivate it."]}
    if bank_account.status != BankAccount.Status.ACTIVE:
        return {field: ["This account is not verified yet: confirm its two micro-deposits first."]}
    return {}


def _frozen_errors(bank_account: BankAccount) -> dict[str, list[str]]:
    """Why this account's transactions cannot change, if they cannot."""
    if bank_account.status == BankAccount.Status.SUSPENDED:
        return {"bank_account_id": ["This account is suspended: its transactions cannot change."]}
    if bank_account.status == BankAccount.Status.CLOSED:
        return {"bank_account_id": ["This account is closed: reopen it to change its transactions."]}
    return {}


def _signed(txn: Transaction) -> int:
    return -txn.amount if txn.type == Transaction.Type.DEBIT else txn.amount


def _validate_transaction(txn: Transaction, errors: dict[str, list[str]]) -> None:
    """The model's rules plus the one that needs a query (external ids are unique per account), into `errors`."""
    try:
        validate(txn, exclude=["signed_amount"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            known = errors.setdefault(name, [])
            known.extend(m for m in messages if m not in known)
    if (
        "external_id" not in errors
        and txn.external_id
        and Transaction.objects.filter(bank_account_id=txn.bank_account_id, external_id=txn.external_id)
        .exclude(pk=txn.pk)
        .exists()
    ):
        errors["external_id"] = ["Another transaction of this account already has this external id."]


@transaction.atomic
def transaction_create(
    *,
    user: User,
    bank_account: BankAccount,
    amount: int,
    type: str,
    transaction_date: datetime.date,
    description: str,
    category: str = Category.OTHER,
    status: str = Transaction.Status.COMPLETED,
    merchant_name: str = "",
    posting_date: datetime.date | None = None,
    external_id: str = "",
    request: HttpRequest | None = None,
) -> Transaction:
    """Record a debit or credit on one of the user's active accounts, categorised by the user's rules. A
    category other than `other` and a merchant name given here count as set by hand: rules leave them."""
    if bank_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    errors = _usable_errors(account, field="bank_account_id")
    if category == Category.VERIFICATION:
        errors["category"] = [VERIFICATION_CATEGORY_MESSAGE]
    if type == Transaction.Type.TRANSFER:
        errors["type"] = [
            "Move money between your accounts with a transfer (the Transfer form or POST /api/transfers)."
        ]
    txn = Transaction(
        user=user,
        bank_account=account,
        currency=account.currency,
        amount=amount,
        type=type,
        status=status,
        description=description,
        category=category,
        merchant_name=merchant_name,
        transaction_date=transaction_date,
        posting_date=posting_date,
        external_id=external_id,
    )
    txn.mark_hand_set(
        name for name, given in (("category", category != Category.OTHER), ("merchant_name", merchant_name)) if given
    )
    if not errors:
        rules_apply_to_new(user=user, transactions=[txn])
    _validate_transaction(txn, errors)
    raise_if(errors)
    txn.signed_amount = _signed(txn)
    txn.save(force_insert=True)
    balance_move(account.pk, txn.balance_effect(account.opening_balance_date))
    spending_track(txn, sign=1)
    audit_log(
        action="transaction.created",
        user=user,
        request=request,
        details={"transaction_id": str(txn.pk), "bank_account_id": str(account.pk)},
    )
    return txn


@transaction.atomic
def transaction_update(
    *, user: User, txn: Transaction, changes: dict[str, Any], request: HttpRequest | None = None
) -> Transaction:
    """Change some fields of a transaction; a transfer leg only changes its description, category, merchant.
    A category, merchant or description changed here is set by hand from then on: rules leave it."""
    # The account first, as every writer locks them: its balance moves with the change.
    account = BankAccount.objects.select_for_update().get(pk=txn.bank_account_id, user=user)
    row = Transaction.objects.select_for_update().get(pk=txn.pk, user=user)
    row.bank_account = account
    errors = pick(changes, EDITABLE_FIELDS)
    changes = {name: value for name, value in changes.items() if name in EDITABLE_FIELDS}
    if row.is_transfer:
        for name in sorted(set(changes) - set(TRANSFER_EDITABLE_FIELDS)):
            if changes[name] != getattr(row, name):
                errors[name] = [
                    "A transfer's amount, dates and status cannot change: delete the transfer and make a new one."
                ]
    if changes.get("type") == Transaction.Type.TRANSFER and not row.is_transfer:
        errors["type"] = [
            "Move money between your accounts with a transfer (the Transfer form or POST /api/transfers)."
        ]
    if row.is_verification:
        for name in sorted(changes):
            if changes[name] != getattr(row, name):
                errors[name] = ["A verification deposit cannot change: it only proves the account is yours."]
    elif changes.get("category") == Category.VERIFICATION:
        errors["category"] = [VERIFICATION_CATEGORY_MESSAGE]
    for name, messages in _frozen_errors(account).items():
        errors.setdefault(name, []).extend(messages)
    before = Transaction(**{f.attname: getattr(row, f.attname) for f in Transaction._meta.concrete_fields})
    for name, value in changes.items():
        setattr(row, name, value)
    row.mark_hand_set(
        name for name in Transaction.HAND_SET if name in changes and changes[name] != getattr(before, name)
    )
    _validate_transaction(row, errors)
    raise_if(errors)
    if not row.is_transfer:
        row.signed_amount = _signed(row)
    row.save()
    opening = account.opening_balance_date
    balance_move(account.pk, row.balance_effect(opening) - before.balance_effect(opening))
    spending_track(before, sign=-1)
    spending_track(row, sign=1)
    audit_log(
        action="transaction.updated",
        user=user,
        request=request,
        details={"transaction_id": str(row.pk), "fields": sorted(changes)},
    )
    return row


@transaction.atomic
def transaction_delete(*, user: User, txn: Transaction, request: HttpRequest | None = None) -> int:
    """Remove a transaction; removing either leg of a transfer removes both. Returns how many rows went."""
    legs = Transaction.objects.filter(user=user, pk=txn.pk)
    if txn.transfer_pair_id is not None:
        legs = Transaction.objects.filter(user=user, transfer_pair_id=txn.transfer_pair_id)
    # The accounts first, in a fixed order, as every writer locks them: their balances move.
    account_ids = sorted({account_id for account_id in legs.values_list("bank_account_id", flat=True)}, key=str)
    opening = dict(
        BankAccount.objects.select_for_update()
        .filter(pk__in=account_ids)
        .order_by("pk")
        .values_list("pk", "opening_balance_date")
    )
    rows = list(legs.select_for_update())
    if not rows:
        raise Transaction.DoesNotExist()
    for row in rows:
        balance_move(row.bank_account_id, -row.balance_effect(opening[row.bank_account_id]))
        spending_track(row, sign=-1)
    # A queryset delete: Transaction has no delete signal (it would make every cascade load each row).
    Transaction.objects.filter(pk__in=[row.pk for row in rows]).delete()
    user_data_changed(user.pk)
    audit_log(
        action="transaction.deleted",
        user=user,
        request=request,
        details={"transaction_ids": [str(row.pk) for row in rows]},
    )
    return len(rows)


@transaction.atomic
def transfer_create(
    *,
    user: User,
    from_account: BankAccount,
    to_account: BankAccount,
    amount: int,
    transaction_date: datetime.date,
    description: str = "",
    to_amount: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[Transaction, Transaction]:
    """Move money between two of the user's active accounts: two linked transactions, each in its account's
    currency. Between currencies, `to_amount` is what arrives (the rate is what the two amounts imply)."""
    if from_account.user_id != user.pk or to_account.user_id != user.pk:
        raise BankAccount.DoesNotExist()
    # Lock both rows in a fixed order so two opposite transfers cannot deadlock.
    locked = {
        a.pk: a
        for a in BankAccount.objects.select_for_update().filter(pk__in=[from_account.pk, to_account.pk]).order_by("pk")
    }
    source, target = locked[from_account.pk], locked[to_account.pk]
    errors: dict[str, list[str]] = {}
    if source.pk == target.pk:
        errors["to_account_id"] = ["Choose a different account to transfer to."]
    else:
        errors |= _usable_errors(source, field="from_account_id") | _usable_errors(target, field="to_account_id")
    errors |= _to_amount_errors(source, target, to_amount)
    cross = source.currency != target.currency
    pair_id = uuid.uuid4()
    now = timezone.now()
    legs = []
    # While to_amount is wrong the incoming leg borrows `amount`, so its errors are not reported twice.
    arriving = to_amount if cross and to_amount is not None and "to_amount" not in errors else amount
    moved = {source.pk: amount, target.pk: arriving}
    for account, other, outflow in ((source, target, True), (target, source, False)):
        leg = Transaction(
            user=user,
            bank_account=account,
            amount=moved[account.pk],
            currency=account.currency,
            counter_amount=moved[other.pk] if cross else None,
            counter_currency=other.currency if cross else "",
            type=Transaction.Type.TRANSFER,
            status=Transaction.Status.COMPLETED,
            category=Category.TRANSFER,
            transaction_date=transaction_date,
            posting_date=transaction_date,
            transfer_pair_id=pair_id,
            created_at=now,
            description=description or f"Transfer {'to' if outflow else 'from'} {other.label}",
        )
        _validate_transaction(leg, errors)
        legs.append(leg)
    raise_if(errors)
    outgoing, incoming = legs
    outgoing.signed_amount, incoming.signed_amount = -outgoing.amount, incoming.amount
    for leg in legs:
        leg.save(force_insert=True)
    balance_move(source.pk, outgoing.balance_effect(source.opening_balance_date))
    balance_move(target.pk, incoming.balance_effect(target.opening_balance_date))
    for leg in legs:
        spending_track(leg, sign=1)  # never spending, but it moves the balances the flows keep
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
    return outgoing, incoming


def _to_amount_errors(source: BankAccount, target: BankAccount, to_amount: Any) -> dict[str, list[str]]:
    """`to_amount` is required between currencies and refused within one."""
    if source.pk == target.pk:
        return {}
    if source.currency == target.currency:
        if to_amount is None:
            return {}
        return {"to_amount": [f"Both accounts hold {source.currency}: leave to_amount out, the same amount arrives."]}
    if to_amount is None:
        return {
            "to_amount": [
                f"This transfer goes from {source.currency} to {target.currency}: send to_amount, what arrives in "
                f"{target.currency}, in its minor units."
            ]
        }
    try:
        validate_amount(to_amount)
    except ValidationError as error:
        return {"to_amount": error.messages}
    return {}
