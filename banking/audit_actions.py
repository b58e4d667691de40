"""The audit actions banking writes, and how to name the accounts, transactions and budgets they mention.

A name shows an account as its nickname (or bank) and last four digits, never the account number.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from accounts.audit import ACTIVITY, SECURITY, AuditAction
from banking.models import BankAccount, Budget, Transaction

_ACCOUNT_KEYS = ("bank_account_id", "from_account_id", "to_account_id")


def _account(details: dict[str, Any], names: Mapping[str, str]) -> str:
    name = names.get(str(details.get("bank_account_id")))
    if name:
        return name
    return f"····{details['last4']}" if details.get("last4") else ""


def _fields(details: dict[str, Any]) -> str:
    fields = [str(f).replace("_", " ") for f in details.get("fields") or []]
    return f"changed {', '.join(fields)}" if fields else ""


def _transaction(details: dict[str, Any], names: Mapping[str, str]) -> str:
    parts = [names.get(str(details.get("transaction_id")), ""), _account(details, names)]
    return " · ".join(p for p in parts if p)


def _transaction_update(details: dict[str, Any], names: Mapping[str, str]) -> str:
    parts = [names.get(str(details.get("transaction_id")), ""), _fields(details)]
    return ": ".join(p for p in parts if p)


def _transactions_deleted(details: dict[str, Any], names: Mapping[str, str]) -> str:
    count = len(details.get("transaction_ids") or [])
    if count == 2:
        return "2 transactions (both sides of a transfer)"
    return f"{count} transaction{'s' if count != 1 else ''}" if count else ""


def _transfer(details: dict[str, Any], names: Mapping[str, str]) -> str:
    source = names.get(str(details.get("from_account_id")))
    target = names.get(str(details.get("to_account_id")))
    return f"from {source} to {target}" if source and target else ""


def _budget(details: dict[str, Any], names: Mapping[str, str]) -> str:
    name = names.get(str(details.get("budget_id"))) or str(details.get("name") or "")
    return ": ".join(p for p in (name, _fields(details)) if p)


def _demo(details: dict[str, Any], names: Mapping[str, str]) -> str:
    count = details.get("transactions") or 0
    return f"{count} transaction{'s' if count != 1 else ''}"


def _import(details: dict[str, Any], names: Mapping[str, str]) -> str:
    parts = [_account(details, names)]
    count = details.get("transactions")
    if count is not None:
        parts.append(f"{count} transaction{'s' if count != 1 else ''}")
    elif details.get("format"):
        parts.append(str(details["format"]).upper().replace("CAMT053", "CAMT.053"))
    return " · ".join(p for p in parts if p)


def _ids(events: list, keys: tuple[str, ...]) -> set[uuid.UUID]:
    found = set()
    for event in events:
        details = event.details or {}
        for key in keys:
            try:
                found.add(uuid.UUID(str(details[key])))
            except (KeyError, ValueError):
                continue
    return found


def object_names(user_id: Any, events: list) -> dict[str, str]:
    """Names of this user's accounts, transactions and budgets that these events mention.

    At most three queries, whatever the number of events; objects since deleted have no name.
    """
    names: dict[str, str] = {}
    if account_ids := _ids(events, _ACCOUNT_KEYS):
        for account in BankAccount.objects.filter(user_id=user_id, pk__in=account_ids).only(
            "nickname", "bank_name", "last4"
        ):
            names[str(account.pk)] = f"{account.display_name} ····{account.last4}".strip(" ·")
    if transaction_ids := _ids(events, ("transaction_id",)):
        texts = Transaction.objects.filter(user_id=user_id, pk__in=transaction_ids).values_list("pk", "description")
        names.update((str(pk), description) for pk, description in texts)
    if budget_ids := _ids(events, ("budget_id",)):
        rows = Budget.objects.filter(user_id=user_id, pk__in=budget_ids).values_list("pk", "name")
        names.update((str(pk), name) for pk, name in rows)
    return names


AUDIT_ACTIONS = {
    "bank_account.created": AuditAction("Linked a bank account", ACTIVITY, _account),
    "bank_account.updated": AuditAction("Changed a bank account", ACTIVITY, _account),
    "bank_account.closed": AuditAction("Closed a bank account", ACTIVITY, _account),
    "bank_account.reopened": AuditAction("Reopened a bank account", ACTIVITY, _account),
    "bank_account.deleted": AuditAction("Removed a bank account", ACTIVITY, _account),
    "bank_account.micro_deposits_sent": AuditAction("Sent verification deposits", ACTIVITY, _account),
    "bank_account.verified": AuditAction("Verified a bank account", ACTIVITY, _account),
    "bank_account.verification_failed": AuditAction("Wrong verification amounts", ACTIVITY, _account),
    "bank_account.suspended": AuditAction("Suspended a bank account (staff)", ACTIVITY, _account),
    "bank_account.activated": AuditAction("Reactivated a bank account (staff)", ACTIVITY, _account),
    # Showing a full account number is data leaving the screen's masking, like an export.
    "bank_account.number_revealed": AuditAction("Showed a full account number", SECURITY, _account),
    "transaction.created": AuditAction("Added a transaction", ACTIVITY, _transaction),
    "transaction.updated": AuditAction("Edited a transaction", ACTIVITY, _transaction_update),
    "transaction.deleted": AuditAction("Deleted a transaction", ACTIVITY, _transactions_deleted),
    "transfer.created": AuditAction("Made a transfer", ACTIVITY, _transfer),
    "budget.created": AuditAction("Created a budget", ACTIVITY, _budget),
    "budget.updated": AuditAction("Edited a budget", ACTIVITY, _budget),
    "budget.deleted": AuditAction("Deleted a budget", ACTIVITY, _budget),
    "demo.seeded": AuditAction("Added demo data", ACTIVITY, _demo),
    "import.created": AuditAction("Uploaded a bank file", ACTIVITY, _import),
    "import.completed": AuditAction("Imported a bank file", ACTIVITY, _import),
    "import.undone": AuditAction("Undid an import", ACTIVITY, _import),
}


def _category(details: dict[str, Any], names: Mapping[str, str]) -> str:
    moved = details.get("transactions")
    slug = str(details.get("slug") or "")
    if moved:
        return f"{slug}: {moved} transaction{'s' if moved != 1 else ''} moved to Other"
    return ": ".join(p for p in (slug, _fields(details)) if p)


def _rule(details: dict[str, Any], names: Mapping[str, str]) -> str:
    name = names.get(str(details.get("rule_id"))) or str(details.get("name") or "")
    if "changed" in details:
        return f"{name}: {details['changed']} of {details.get('matched', 0)} matching transactions changed"
    return ": ".join(p for p in (name, _fields(details)) if p)


def _alerts(details: dict[str, Any], names: Mapping[str, str]) -> str:
    return _fields(details)


def _export_filters(details: dict[str, Any], names: Mapping[str, str]) -> str:
    filters = [str(f).replace("_", " ") for f in details.get("filters") or []]
    return f"filtered by {', '.join(filters)}" if filters else "all transactions"


def _series(details: dict[str, Any], names: Mapping[str, str]) -> str:
    return str(details.get("name") or "")


AUDIT_ACTIONS |= {
    "category.created": AuditAction("Added a category", ACTIVITY, _category),
    "category.updated": AuditAction("Changed a category", ACTIVITY, _category),
    "category.deleted": AuditAction("Removed a category", ACTIVITY, _category),
    "rule.created": AuditAction("Created a rule", ACTIVITY, _rule),
    "rule.updated": AuditAction("Edited a rule", ACTIVITY, _rule),
    "rule.deleted": AuditAction("Deleted a rule", ACTIVITY, _rule),
    "rule.applied": AuditAction("Applied a rule to existing transactions", ACTIVITY, _rule),
    "recurring.confirmed": AuditAction("Confirmed a recurring payment", ACTIVITY, _series),
    "recurring.dismissed": AuditAction("Dismissed a recurring payment", ACTIVITY, _series),
    "alerts.updated": AuditAction("Changed e-mail alerts", ACTIVITY, _alerts),
    # Data leaving the site, like the full data export.
    "transactions.exported": AuditAction("Downloaded transactions as CSV", SECURITY, _export_filters),
}
