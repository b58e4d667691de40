"""E-mail alerts: the user's settings, and checking them when transactions arrive and once a day.

Each alert is sent once per cause: its `AlertSent` row (unique per user and cause) is inserted in the same
database transaction that queues the e-mail in the outbox (accounts.emails), so checks run twice, or at
the same time, mail once. Low-balance causes end when the balance is back above the threshold, so a
later dip mails again.
"""

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.emails import email_queue_to_user
from accounts.models import User
from banking.models import AlertSent, AlertSettings, BankAccount, RecurringSeries, Transaction
from banking.money import format_money
from banking.selectors.alerts import alert_settings_for
from banking.selectors.budgets import budget_list, budget_progress
from banking.services.base import pick, raise_if, validate

logger = logging.getLogger(__name__)

ALERT_FIELDS = ("budget_thresholds", "low_balance", "bill_due_days", "large_transaction_over", "email")
SETTINGS_PATH = "/dashboard/settings/alerts"
# Transactions per check task: an import of thousands is checked by several small tasks.
CHECK_CHUNK = 500


@transaction.atomic
def alert_settings_update(*, user: User, changes: dict[str, Any], request: HttpRequest | None = None) -> AlertSettings:
    """Change some of the user's alert settings (the first change stores them)."""
    raise_if(pick(changes, ALERT_FIELDS))
    current = AlertSettings.objects.select_for_update().filter(user=user).first() or AlertSettings.defaults(user)
    for name, value in changes.items():
        setattr(current, name, value)
    validate(current)
    current.save()
    audit_log(action="alerts.updated", user=user, request=request, details={"fields": sorted(changes)})
    return current


def alerts_check_on_commit(*, user: User, transaction_ids: list[str]) -> None:
    """Once the current database transaction commits: move known recurring series on and check the alerts
    about these new transactions (banking.tasks.transactions_arrived)."""
    from banking import tasks
    from saas.background import enqueue_on_commit

    for start in range(0, len(transaction_ids), CHECK_CHUNK):
        chunk = transaction_ids[start : start + CHECK_CHUNK]
        enqueue_on_commit(tasks.transactions_arrived, user_id=str(user.pk), transaction_ids=chunk)


def _send(*, user: User, key: str, kind: str, context: dict[str, Any]) -> bool:
    """Record the cause, then queue its e-mail, in one database transaction; False when it was sent before."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                AlertSent.objects.create(user=user, key=key[:200], kind=kind)
        except IntegrityError:
            return False
        email_queue_to_user(
            user=user,
            template_prefix=f"banking/email/alert_{kind}",
            context={"settings_url": f"{settings.APP_URL}{SETTINGS_PATH}", **context},
            kind=f"alert_{kind}",
        )
    return True


def _budget_alerts(user: User, prefs: AlertSettings, today: datetime.date) -> int:
    thresholds = sorted(set(prefs.budget_thresholds or []))
    if not thresholds:
        return 0
    sent = 0
    for p in budget_progress(user=user, budgets=budget_list(user=user, active_only=True), today=today):
        crossed = [t for t in thresholds if p.percent_used >= t]
        if not crossed:
            continue
        keys = [f"budget:{p.budget.pk}:{p.period_start}:{t}" for t in crossed]
        known = set(AlertSent.objects.filter(user=user, key__in=keys).values_list("key", flat=True))
        fresh = [t for t, key in zip(crossed, keys, strict=True) if key not in known]
        if not fresh:
            continue
        # Crossing 80% and 100% at once mails about 100%; both causes are recorded.
        for t in fresh[:-1]:
            AlertSent.objects.get_or_create(user=user, key=f"budget:{p.budget.pk}:{p.period_start}:{t}",
                                            defaults={"kind": "budget"})  # fmt: skip
        context = {
            "budget": p.budget,
            "threshold": fresh[-1],
            "percent_used": p.percent_used,
            "spent": format_money(p.spent, p.budget.currency),
            "limit": format_money(p.available, p.budget.currency),
            "period_start": p.period_start,
            "period_end": p.period_end,
            "page_url": f"{settings.APP_URL}/dashboard/budgets/",
        }
        sent += _send(user=user, key=keys[crossed.index(fresh[-1])], kind="budget", context=context)
    return sent


def _low_balance_alerts(user: User, prefs: AlertSettings) -> int:
    watched = {str(item["bank_account_id"]): item["below"] for item in prefs.low_balance or []}
    if not watched:
        return 0
    sent = 0
    accounts = BankAccount.objects.filter(user=user, pk__in=list(watched)).only(
        "id", "nickname", "bank_name", "account_type", "last4", "balance", "currency", "status"
    )
    for account in accounts:
        below = watched[str(account.pk)]
        prefix = f"low_balance:{account.pk}:"
        if account.is_closed or account.balance >= below:
            AlertSent.objects.filter(user=user, key__startswith=prefix).delete()  # the cause has ended
            continue
        context = {
            "account": account,
            "balance": format_money(account.balance, account.currency),
            "below": format_money(below, account.currency),
            "page_url": f"{settings.APP_URL}/dashboard/accounts/{account.pk}/",
        }
        sent += _send(user=user, key=f"{prefix}{below}", kind="low_balance", context=context)
    return sent


def _large_transaction_alerts(user: User, prefs: AlertSettings, transaction_ids: Iterable[str]) -> int:
    limits = prefs.large_transaction_over or {}
    if not limits:
        return 0
    rows = (
        Transaction.objects.filter(user=user, pk__in=list(transaction_ids), currency__in=list(limits))
        .exclude(type=Transaction.Type.TRANSFER)
        .exclude(status=Transaction.Status.FAILED)
        .exclude(category="verification")
    )
    sent = 0
    for txn in rows:
        if txn.amount <= limits[txn.currency]:
            continue
        context = {
            "txn": txn,
            "amount": format_money(txn.signed_amount, txn.currency, signed=True),
            "over": format_money(limits[txn.currency], txn.currency),
            "page_url": f"{settings.APP_URL}/dashboard/transactions/{txn.pk}/edit",
        }
        sent += _send(user=user, key=f"large:{txn.pk}", kind="large_transaction", context=context)
    return sent


def _bill_alerts(user: User, prefs: AlertSettings, today: datetime.date) -> int:
    if prefs.bill_due_days is None:
        return 0
    horizon = today + datetime.timedelta(days=prefs.bill_due_days)
    series = RecurringSeries.objects.filter(
        user=user, status=RecurringSeries.Status.CONFIRMED, next_date__gte=today, next_date__lte=horizon
    )
    sent = 0
    for bill in series:
        context = {
            "bill": bill,
            "amount": format_money(bill.amount, bill.currency),
            "days": (bill.next_date - today).days,
            "page_url": f"{settings.APP_URL}/dashboard/recurring/",
        }
        sent += _send(user=user, key=f"bill:{bill.pk}:{bill.next_date}", kind="bill", context=context)
    return sent


def alerts_check_transactions(*, user: User, transaction_ids: list[str], today: datetime.date | None = None) -> int:
    """After transactions arrive: large transactions among them, budgets and low balances. Mails sent."""
    prefs = alert_settings_for(user=user)
    if not prefs.email:
        return 0
    today = today or timezone.localdate()
    return (
        _large_transaction_alerts(user, prefs, transaction_ids)
        + _budget_alerts(user, prefs, today)
        + _low_balance_alerts(user, prefs)
    )


def alerts_check_daily(*, user: User, today: datetime.date | None = None) -> int:
    """Once a day: budgets, low balances and bills coming due. Mails sent."""
    prefs = alert_settings_for(user=user)
    if not prefs.email:
        return 0
    today = today or timezone.localdate()
    return _budget_alerts(user, prefs, today) + _low_balance_alerts(user, prefs) + _bill_alerts(user, prefs, today)


def alerts_check_everyone(*, today: datetime.date | None = None, batch_size: int = 500) -> int:
    """The daily job: every user with something to watch, in batches of ids (flat memory)."""
    sent, last = 0, None
    while True:
        users = User.objects.filter(is_active=True).exclude(alert_settings__email=False).order_by("pk")
        if last is not None:
            users = users.filter(pk__gt=last)
        batch = list(users.only("id", "email", "name")[:batch_size])
        if not batch:
            return sent
        for user in batch:
            try:
                sent += alerts_check_daily(user=user, today=today)
            except Exception:  # one user's bad data must not stop everyone's alerts
                logger.exception("Daily alerts failed for a user", extra={"alert_user_id": str(user.pk)})
        last = batch[-1].pk
