"""Writes for budgets: a spending limit for one category and currency, per week, month or year."""

import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from banking.models import Budget
from banking.services.base import pick, raise_if, user_lock, validate

BUDGET_FIELDS = (
    "name",
    "category",
    "amount",
    "currency",
    "period",
    "start_date",
    "end_date",
    "is_active",
    "rollover",
    "period_start_day",
)


def _audited_by(*, user: User, actor: User | None, budget: Budget, **details) -> dict:
    """Who an event is recorded against, and its details: the owner, or the staff member who made the change
    in the admin (with the owner's id)."""
    details = {"budget_id": str(budget.pk), **details}
    if actor is not None and actor.pk != user.pk:
        details["owner_id"] = str(user.pk)
    return {"user": actor or user, "details": details}


@transaction.atomic
def budget_create(
    *,
    user: User,
    name: str,
    category: str,
    amount: int,
    currency: str = "USD",
    period: str = Budget.Period.MONTHLY,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    is_active: bool = True,
    rollover: bool = False,
    period_start_day: int | None = None,
    request: HttpRequest | None = None,
) -> Budget:
    """A spending limit for one category and currency, per week, month (from `period_start_day`, payday) or
    year; with `rollover` what earlier periods left or overspent carries into the current one."""
    budget = Budget(
        user=user,
        name=name,
        category=category,
        amount=amount,
        currency=currency,
        period=period,
        start_date=start_date if start_date is not None else timezone.localdate(),
        end_date=end_date,
        is_active=is_active,
        rollover=rollover,
        period_start_day=period_start_day,
    )
    validate(budget)
    user_lock(user)
    if Budget.objects.filter(user=user).count() >= Budget.MAX_PER_USER:
        raise_if({"__all__": [f"You can have up to {Budget.MAX_PER_USER} budgets: delete one you no longer use."]})
    budget.save(force_insert=True)
    audit_log(action="budget.created", request=request, **_audited_by(user=user, actor=None, budget=budget))
    return budget


@transaction.atomic
def budget_update(
    *,
    user: User,
    budget: Budget,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
    actor: User | None = None,
) -> Budget:
    """Change some of a budget's fields; `actor` is the staff member when the admin makes the change."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk, user=user)
    errors = pick(changes, BUDGET_FIELDS)
    raise_if(errors)
    for name, value in changes.items():
        setattr(budget, name, value)
    validate(budget)
    budget.save()
    audit_log(
        action="budget.updated",
        request=request,
        **_audited_by(user=user, actor=actor, budget=budget, fields=sorted(changes)),
    )
    return budget


@transaction.atomic
def budget_delete(*, user: User, budget: Budget, request: HttpRequest | None = None, actor: User | None = None) -> None:
    budget = Budget.objects.select_for_update().get(pk=budget.pk, user=user)
    # The name goes into the event: once the budget is gone, the activity list cannot look it up.
    audit_log(
        action="budget.deleted",
        request=request,
        **_audited_by(user=user, actor=actor, budget=budget, name=budget.name),
    )
    budget.delete()
