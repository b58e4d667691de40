"""Types the API's input schemas share. They only parse JSON into Python values; the rules about those
values live on the models and in the services."""

import datetime
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field, StrictInt, StrictStr, StringConstraints

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_MESSAGE = "Enter a real date as YYYY-MM-DD (for example 2025-03-31)."


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD`: pydantic alone would also take unix timestamps and `20250101`."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(DATE_MESSAGE)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(DATE_MESSAGE) from None


# Text as sent, without the spaces around it.
Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True)]
IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]
# Money in minor units: a JSON integer, never "12.50", 12.5 or true.
MinorUnits = StrictInt
# `?limit=`: 1 to 100 rows a page.
Limit = Annotated[int, Field(ge=1, le=100)]


class ErrorOut(Schema):
    """Every error answer: a code, a message, per-field messages for a 400 `validation_error`."""

    error: str
    message: str
    fields: dict[str, list[str]] | None = None


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation may give, for its OpenAPI description (401 always: sign in)."""
    return {status: ErrorOut for status in (401, *statuses)}
