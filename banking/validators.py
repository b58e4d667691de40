"""Validators shared by the services, the page forms and the JSON API."""

import re

from django.core.exceptions import ValidationError

_DIGITS = re.compile(r"^\d+$")
_SEPARATORS = re.compile(r"[\s-]")


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
    if not isinstance(value, str) or not _DIGITS.match(value):
        raise ValidationError("Enter the account number using digits only.", code="account_format")
    if not 4 <= len(value) <= 17:
        raise ValidationError("Account numbers have 4 to 17 digits.", code="account_length")
