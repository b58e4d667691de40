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

BUDGET_FIELDS = ("name", "category", "amount", "currency", "period", "start_date", "end_date", "is_active")


def _audit(action: str, *, user: User, actor: User | None, budget: Budget, request, **details) -> None:
    """Budget events name the owner; a staff change (the admin) is recorded against the staff member."""
    details = {"budget_id": str(budget.pk), **details}
    if actor is not None and actor.pk != user.pk:
        details["owner_id"] = str(user.pk)
    audit_log(action=action, user=actor or user, request=request, details=details)


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
    request: HttpRequest | None = None,
) -> Budget:
    """A spending limit for one category and currency, per week, month or year."""
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
    )
    validate(budget)
    user_lock(user)
    if Budget.objects.filter(user=user).count() >= Budget.MAX_PER_USER:
        raise_if({"__all__": [f"You can have up to {Budget.MAX_PER_USER} budgets: delete one you no longer use."]})
    budget.save(force_insert=True)
    _audit("budget.created", user=user, actor=None, budget=budget, request=request)
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
    _audit("budget.updated", user=user, actor=actor, budget=budget, request=request, fields=sorted(changes))
    return budget


@transaction.atomic
def budget_delete(*, user: User, budget: Budget, request: HttpRequest | None = None, actor: User | None = None) -> None:
    budget = Budget.objects.select_for_update().get(pk=budget.pk, user=user)
    _audit("budget.deleted", user=user, actor=actor, budget=budget, request=request)
    budget.delete()
