"""Reads for bank accounts. Another user's account is a 404, never a 403."""

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


def limited_account_count(*, user: User) -> int:
    """How many accounts count toward the plan's limit: every one but cash, which links no bank."""
    return BankAccount.objects.filter(user=user).exclude(account_type=BankAccount.AccountType.CASH).count()


def bank_account_allowance(*, user: User, accounts: Iterable[BankAccount] | None = None) -> AccountAllowance:
    """How many bank accounts the user has linked (cash does not count) and may link (None: no limit)."""
    count = limited_account_count(user=user) if accounts is None else sum(1 for a in accounts if not a.is_cash)
    return AccountAllowance(count=count, limit=bank_account_limit(user=user))


@dataclass
class CurrencyTotal:
    """What the open accounts in one currency hold: `assets` (positive balances), `debts` (negative ones: cards,
    loans, overdrafts) and their sum, the net worth."""

    currency: str
    assets: int = 0
    debts: int = 0
    accounts: int = 0

    @property
    def net(self) -> int:
        return self.assets + self.debts


def totals_by_currency(accounts: Iterable[BankAccount]) -> list[CurrencyTotal]:
    """Per currency (never across currencies), over the open accounts: assets, debts and net worth; the
    currency with the most accounts first. Closed accounts are out of the totals."""
    totals: dict[str, CurrencyTotal] = {}
    for account in accounts:
        if account.is_closed:
            continue
        total = totals.setdefault(account.currency, CurrencyTotal(account.currency))
        total.accounts += 1
        if account.balance > 0:
            total.assets += account.balance
        else:
            total.debts += account.balance
    return sorted(totals.values(), key=lambda t: (-t.accounts, t.currency))


def account_transaction_counts(*, user: User) -> dict[Any, int]:
    """How many transactions each account holds (one grouped query), for the removal warning."""
    rows = Transaction.objects.filter(user=user).order_by().values("bank_account_id").annotate(n=Count("id"))
    return {row["bank_account_id"]: row["n"] for row in rows}
