"""Keyset (cursor) pagination: no OFFSET, so page 2,000 costs what page 1 costs.

A page is read with `WHERE (k1, k2, k3) < (v1, v2, v3) ORDER BY k1 DESC, k2 DESC, k3 DESC LIMIT n+1`,
which the matching index answers with a range scan. Rows are never skipped or repeated across pages,
even while rows are added or removed, because a cursor names a position in a total order, not a count.

Cursors are opaque to clients: the position (and direction) as JSON, signed with SECRET_KEY so a tampered
cursor is rejected instead of producing a confusing page.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import F, QuerySet

# Django's own row-value comparison (what composite primary keys use): `(a, b, c) < (x, y, z)` on
# PostgreSQL and SQLite, with an equivalent OR expansion on backends without row values.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan


class InvalidCursor(ValueError):
    """The cursor was not made by this site, is damaged, or is for another list."""


@dataclass(frozen=True)
class Keyset:
    """An ordering over `fields` (all descending or all ascending) that ends with a unique field."""

    name: str
    fields: tuple[str, ...]
    descending: bool = True

    @property
    def salt(self) -> str:
        return f"banking.cursor.{self.name}"

    def order_by(self, *, reverse: bool = False) -> list[str]:
        desc = self.descending != reverse
        return [f"-{f}" if desc else f for f in self.fields]


@dataclass
class Page:
    items: list
    next_cursor: str | None = None  # older rows (further along the order)
    previous_cursor: str | None = None  # newer rows (back towards the first page)
    extra: dict[str, Any] = field(default_factory=dict)


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": value.hex}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "dt":
            return datetime.datetime.fromisoformat(raw)
        if kind == "d":
            return datetime.date.fromisoformat(raw)
        if kind == "u":
            return uuid.UUID(hex=raw)
    if isinstance(value, str | int):
        return value
    raise InvalidCursor("Unexpected value in cursor.")


def encode_cursor(keyset: Keyset, values: tuple, *, backwards: bool = False) -> str:
    payload: dict[str, Any] = {"k": [_encode_value(v) for v in values]}
    if backwards:
        payload["b"] = 1
    return signing.dumps(payload, salt=keyset.salt)


def cursor_for(keyset: Keyset, obj: Any, *, backwards: bool = False) -> str:
    """The cursor positioned at `obj`: a forward page starts just after it, a backward one just before."""
    return encode_cursor(keyset, tuple(getattr(obj, f) for f in keyset.fields), backwards=backwards)


def decode_cursor(keyset: Keyset, cursor: str) -> tuple[tuple, bool]:
    try:
        payload = signing.loads(cursor, salt=keyset.salt)
        values = tuple(_decode_value(v) for v in payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise InvalidCursor("This cursor is not valid: start again from the first page.") from None
    if len(values) != len(keyset.fields):
        raise InvalidCursor("This cursor is not valid: start again from the first page.")
    return values, bool(payload.get("b"))


def paginate(queryset: QuerySet, keyset: Keyset, *, cursor: str | None, limit: int) -> Page:
    """One page of `queryset` in keyset order, with cursors for the next and the previous page.

    One query, whatever the page: `limit + 1` rows tell whether another page follows.
    """
    row = Tuple(*(F(f) for f in keyset.fields))
    backwards = False
    if cursor:
        values, backwards = decode_cursor(keyset, cursor)
        # Forward in a descending keyset means "smaller than the cursor row".
        after = TupleLessThan if keyset.descending != backwards else TupleGreaterThan
        queryset = queryset.filter(after(row, values))
    rows = list(queryset.order_by(*keyset.order_by(reverse=backwards))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    page = Page(items=rows)
    if rows:
        # Going forward there is a next page when we fetched an extra row; going backwards we came from one.
        if (more and not backwards) or (backwards and cursor):
            page.next_cursor = cursor_for(keyset, rows[-1])
        if (cursor and not backwards) or (backwards and more):
            page.previous_cursor = cursor_for(keyset, rows[0], backwards=True)
    return page
