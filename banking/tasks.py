"""Background tasks of banking: thin functions that call a service."""

from banking.services import import_parsing, micro_deposits
from banking.services.import_commit import import_commit_give_up, import_commit_run
from saas.background import background_task


# The provider is another company's server: retried for about a day (30 s doubling, capped at an hour).
@background_task(max_attempts=30, backoff=30, max_backoff=3600)
def micro_deposits_send(verification_id: int) -> str:
    return micro_deposits.micro_deposits_dispatch(verification_id=verification_id)


# --- rules, recurring payments, alerts -------------------------------------------------------------------


@background_task(max_attempts=3, backoff=60)
def rule_apply(rule_id: str) -> str:
    """ "Apply to existing" for a big history (banking.services.rules.rule_apply_requested)."""
    from banking.services import rules

    return rules.rule_apply_task(rule_id=rule_id)


@background_task(max_attempts=5, backoff=30)
def transactions_arrived(user_id: str, transaction_ids: list) -> str:
    """New transactions (typed, API, import): known recurring series move on, then the alerts are checked."""
    from accounts.models import User
    from banking.services import alerts, recurring

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "user gone"
    moved = recurring.recurring_note_transactions(user=user, transaction_ids=transaction_ids)
    sent = alerts.alerts_check_transactions(user=user, transaction_ids=transaction_ids)
    return f"{moved} series moved, {sent} alerts"


@background_task(max_attempts=3, backoff=60)
def recurring_detect(user_id: str) -> str:
    from accounts.models import User
    from banking.services import recurring

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "user gone"
    found = recurring.recurring_detect(user=user)
    return f"{found['created']} new, {found['updated']} updated"


@background_task(max_attempts=3, backoff=300)
def recurring_detect_everyone() -> str:
    """Daily: recurring payments of every user with transactions, one user at a time."""
    from banking.services import recurring

    return f"{recurring.recurring_detect_everyone()} users"


@background_task(max_attempts=3, backoff=300)
def alerts_daily() -> str:
    """Daily: budgets, low balances and bills coming due, for every user who wants alerts."""
    from banking.services import alerts

    return f"{alerts.alerts_check_everyone()} alerts"


# Reading a bank file: a few retries (a worker lost mid-file starts over from the stored file).
@background_task(max_attempts=3, backoff=10, on_give_up=import_parsing.import_parse_give_up)
def import_parse(import_id: str) -> str:
    return import_parsing.import_parse(import_id=import_id)


# Writing an import's rows: each batch commits on its own, so a retry carries on where the last one stopped.
@background_task(max_attempts=5, backoff=10, on_give_up=import_commit_give_up)
def import_commit(import_id: str) -> str:
    return import_commit_run(import_id=import_id)


# Periodic (add to TASKS_PERIODIC, e.g. daily): uploaded files of imports nobody finished are deleted.
@background_task(max_attempts=3, backoff=60)
def imports_purge_abandoned() -> int:
    return import_parsing.imports_purge_abandoned()
