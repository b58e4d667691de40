"""Reads for recurring payments: the user's series, one by id (another user's is a 404), what is due soon."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from banking.models import RecurringSeries
from banking.pagination import Keyset, Page, paginate

RECURRING_KEYSET = Keyset("recurring", ("created_at", "id"), descending=False)
UPCOMING_DAYS = 14


def get_series_for_user(*, user: User, series_id: Any) -> RecurringSeries:
    try:
        return RecurringSeries.objects.select_related("bank_account").filter(user=user).get(pk=series_id)
    except (RecurringSeries.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No recurring payment with that id.") from None


def recurring_list(*, user: User) -> dict[str, list[RecurringSeries]]:
    """The user's series by status (one query), each list by next date."""
    grouped: dict[str, list[RecurringSeries]] = {s: [] for s in RecurringSeries.Status.values}
    rows = RecurringSeries.objects.filter(user=user).select_related("bank_account").order_by("next_date", "id")
    for series in rows.defer("bank_account__account_number_encrypted", "bank_account__account_fingerprint"):
        grouped[series.status].append(series)
    return grouped


def recurring_page(*, user: User, status: str | None, cursor: str | None, limit: int) -> Page:
    rows = RecurringSeries.objects.filter(user=user)
    if status:
        rows = rows.filter(status=status)
    return paginate(rows, RECURRING_KEYSET, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class Upcoming:
    series: RecurringSeries
    days: int  # until it is due; negative when late
    missed: bool


def upcoming_payments(*, user: User, today: datetime.date | None = None, days: int = UPCOMING_DAYS) -> list[Upcoming]:
    """Confirmed payments due in the next `days` days, and the late ones (flagged missed past their grace)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=days)
    rows = RecurringSeries.objects.filter(
        user=user, status=RecurringSeries.Status.CONFIRMED, next_date__lte=horizon
    ).order_by("next_date", "id")
    return [Upcoming(s, (s.next_date - today).days, s.is_missed(today)) for s in rows]
