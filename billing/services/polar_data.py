"""Reading Polar's objects: fields, dates and amounts, and which of our users an object names."""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from billing.models import Subscription

logger = logging.getLogger(__name__)


FROM_PAYLOAD: Any = object()

# Changes to these are what the user sees; each one is an audit row.
USER_FACING_SUBSCRIPTION_FIELDS = ("status", "cancel_at_period_end", "product_id", "user_id")


class PolarPayloadError(ValueError):
    """Polar's object lacks something we need (an id, a date): the event fails and can be replayed."""


# --- Parsing Polar's objects -----------------------------------------------------------------------


def datetime_of(data: dict[str, Any], key: str, *, required: bool = False) -> datetime | None:
    raw = data.get(key)
    if raw in (None, ""):
        if required:
            raise PolarPayloadError(f"`{key}` is missing.")
        return None
    value = parse_datetime(str(raw)) if not isinstance(raw, datetime) else raw
    if value is None:
        raise PolarPayloadError(f"`{key}` is not a date-time: {raw!r}.")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def int_of(data: dict[str, Any], key: str) -> int:
    raw = data.get(key)
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise PolarPayloadError(f"`{key}` is not a whole number of minor units: {raw!r}.")
    return raw


def text_of(data: dict[str, Any], key: str, max_length: int | None = None) -> str:
    raw = data.get(key)
    value = "" if raw is None else str(raw)
    return value[:max_length] if max_length else value


def object_id_of(data: dict[str, Any]) -> str:
    polar_id = data.get("id")
    if not isinstance(polar_id, str) or not polar_id or len(polar_id) > 64:
        raise PolarPayloadError("`data.id` is missing or not an id.")
    return polar_id


def nested(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def named_user_id(data: dict[str, Any], *, linked_user_id=None) -> uuid.UUID | None:
    """The user `data` belongs to: the one `data.customer.external_id` names, when it is one of ours.

    No `customer` object: the user already linked. Already linked to that user: no query.
    """
    customer = data.get("customer")
    if not isinstance(customer, dict):
        return linked_user_id
    return user_id_if_exists(customer.get("external_id"), linked_user_id=linked_user_id)


def resolve_user(data: dict[str, Any], *, kind: str, linked_user_id=None) -> uuid.UUID | None:
    """The user to link `data` to (`named_user_id`); a customer who is no user of ours is logged."""
    user_id = named_user_id(data, linked_user_id=linked_user_id)
    if user_id is None and isinstance(data.get("customer"), dict):
        warn_unlinked(kind, data)
    return user_id


def user_id_if_exists(external_id: Any, *, linked_user_id=None) -> uuid.UUID | None:
    """`external_id` as the id of one of our users, or None; no query when it is the user already linked."""
    user_id = as_user_id(external_id)
    if user_id is not None and (user_id == linked_user_id or User.objects.filter(pk=user_id).exists()):
        return user_id
    return None


def as_user_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def given_user_id(user: Any) -> Any:
    """An upsert's `user=` as the id to link: FROM_PAYLOAD stays, for the payload to decide."""
    if user is FROM_PAYLOAD:
        return FROM_PAYLOAD
    return user.pk if user is not None else None


def warn_unlinked(kind: str, data: dict[str, Any]) -> None:
    external_id = nested(data, "customer").get("external_id")
    logger.warning(
        "Polar %s %s belongs to no user of ours; stored unlinked",
        kind,
        data.get("id"),
        extra={"polar_object": kind, "polar_id": data.get("id"), "external_customer_id": external_id},
    )


def is_stale(*, incoming: datetime, stored: datetime, stored_status: str | None, incoming_status: str | None) -> bool:
    """An older state never overwrites a newer one; at the same instant a revocation stays final."""
    if incoming < stored:
        return True
    return (
        incoming == stored
        and stored_status == Subscription.Status.CANCELED
        and incoming_status not in (None, Subscription.Status.CANCELED)
    )


@dataclass(frozen=True)
class UpsertResult:
    """The object as stored, and the user it belongs to by this state (applied or older): the event is theirs.

    `created` and `changes` (the user-facing fields that moved, old and new) say what the upsert did; the
    nightly reconciliation logs them.
    """

    object: Any
    user_id: uuid.UUID | None
    created: bool = False
    changes: dict[str, list[Any]] = field(default_factory=dict)
