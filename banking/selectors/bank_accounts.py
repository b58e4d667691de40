"""Reads for bank accounts. Another user's account is a 404, never a 403."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404

from accounts.models import User
from banking.models import BankAccount, MicroDepositVerification, Transaction
from banking.pagination import Keyset, Page, paginate
from billing.selectors import bank_account_limit

ACCOUNT_KEYSET = Keyset("bank_accounts", ("created_at", "id"), descending=False)


def get_bank_account_for_user(*, user: User, bank_account_id: Any) -> BankAccount:
    """The user's own bank account (with its verification), or 404."""
    try:
        return BankAccount.objects.select_related("verification").filter(user=user).get(pk=bank_account_id)
    except (BankAccount.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No bank account with that id.") from None


def verification_for(bank_account: BankAccount) -> MicroDepositVerification | None:
    try:
        return bank_account.verification
    except MicroDepositVerification.DoesNotExist:
        return None


def bank_account_list(*, user: User) -> list[BankAccount]:
    """The user's accounts, oldest first; lists never need the ciphertext or the fingerprint."""
    return list(
        BankAccount.objects.filter(user=user)
        .defer("account_number_encrypted", "account_fingerprint")
        .order_by(*ACCOUNT_KEYSET.order_by())
    )


def bank_account_page(*, user: User, cursor: str | None, limit: int) -> Page:
    return paginate(BankAccount.objects.filter(user=user), ACCOUNT_KEYSET, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class AccountAllowance:
    count: int
    limit: int | None

    @property
    def reached(self) -> bool:
        return self.limit is not None and self.count >= self.limit


def bank_account_allowance(*, user: User, count: int | None = None) -> AccountAllowance:
    """How many accounts the user has linked and may link (None: no limit)."""
    if count is None:
        count = BankAccount.objects.filter(user=user).count()
    return AccountAllowance(count=count, limit=bank_account_limit(user=user))


def totals_by_currency(accounts: Iterable[BankAccount]) -> list[tuple[str, int]]:
    """Balances summed per currency (never across currencies), largest group first."""
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for account in accounts:
        totals[account.currency] += account.balance
        counts[account.currency] += 1
    return sorted(totals.items(), key=lambda item: (-counts[item[0]], item[0]))


def account_transaction_counts(*, user: User) -> dict[Any, int]:
    """How many transactions each account holds (one grouped query), for the removal warning."""
    rows = Transaction.objects.filter(user=user).order_by().values("bank_account_id").annotate(n=Count("id"))
    return {row["bank_account_id"]: row["n"] for row in rows}
