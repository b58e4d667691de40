"""The domain's validators: the one place each rule about a value lives. Models attach them to their
fields; services call the ones about values that are not model fields (account numbers are stored
encrypted). Forms and API schemas only parse what was typed or sent into Python values.
"""

import datetime
import re

import pycountry
from django.core.exceptions import ValidationError
from django.utils import timezone

_DIGITS = re.compile(r"^\d+$")
_SEPARATORS = re.compile(r"[\s-]")
EARLIEST_DATE = datetime.date(1900, 1, 1)
# How far ahead a date may be: a scheduled payment next year is plausible, one in 2999 is a typo.
LATEST_DAYS_AHEAD = 366

DATE_ERROR_MESSAGES = {
    "invalid": "Enter a real date as YYYY-MM-DD (for example 2025-03-31).",
    "invalid_date": "Enter a real date as YYYY-MM-DD (for example 2025-03-31).",
}


def normalize_digits(value: str) -> str:
    """Drop the spaces and dashes people type inside long numbers."""
    return _SEPARATORS.sub("", value or "")


def validate_routing_number(value: str) -> None:
    """An ABA routing transit number: nine digits whose weighted sum (3, 7, 1, ...) is a multiple of 10."""
    if not isinstance(value, str) or not _DIGITS.match(value) or len(value) != 9:
        raise ValidationError("Enter the 9-digit routing number printed on your checks.", code="routing_format")
    digits = [int(c) for c in value]
    checksum = sum(weight * digit for weight, digit in zip((3, 7, 1) * 3, digits, strict=True))
    if checksum % 10 != 0:
        raise ValidationError(
            "That routing number fails its check digit: look for a typo in the 9 digits.", code="routing_checksum"
        )


def validate_account_number(value: str) -> None:
    """A US bank account number: 4 to 17 digits."""
    if not isinstance(value, str):
        raise ValidationError("Send the account number as a string of digits.", code="account_type")
    if not _DIGITS.match(value):
        raise ValidationError("Enter the account number using digits only.", code="account_format")
    if not 4 <= len(value) <= 17:
        raise ValidationError("Account numbers have 4 to 17 digits.", code="account_length")


def validate_plausible_date(value: datetime.date) -> None:
    """A date a person means: from 1900 to a year ahead of today."""
    latest = timezone.localdate() + datetime.timedelta(days=LATEST_DAYS_AHEAD)
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            "Use a date between %(first)s and %(last)s.",
            code="out_of_range",
            params={"first": f"{EARLIEST_DATE:%Y}", "last": f"{latest:%Y-%m-%d}"},
        )


def validate_country(value: str) -> None:
    """An ISO 3166-1 alpha-2 country code, in capitals."""
    if not isinstance(value, str) or len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(
            "Unknown country %(value)s: use a two-letter ISO 3166 code such as US, DE or GB.",
            code="unknown_country",
            params={"value": value if isinstance(value, str) and value else repr(value)},
        )


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166 country as (code, name), by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda choice: choice[1])


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country is not None else code
