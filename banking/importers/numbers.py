"""Amounts as banks write them in text files: "-1,234.56", "1.234,56", "(12.50)", "12.50-", "12.50 CR",
"€ 1 234,56". Read into a signed `Decimal`; a value with anything else in it is an error naming it."""

import re
from decimal import Decimal, InvalidOperation

# Spaces, no-break spaces and apostrophes group thousands in some locales ("1 234,56", "1'234.56").
_GROUPING = re.compile(r"[\s\u00a0\u202f'’]")
_SIGNS = ("$", "€", "£", "¥", "₹", "₩", "₪", "₱", "₦", "₺", "kr", "zł", "Kč", "Ft", "R$", "Fr")
_CODE = re.compile(r"^[A-Z]{3}|[A-Z]{3}$")
_DIGITS = re.compile(r"^\d+$")


class AmountError(ValueError):
    """The text is not an amount; the message says which text and why."""


def _strip_currency(text: str) -> str:
    for sign in _SIGNS:
        if text.startswith(sign):
            text = text[len(sign) :]
        elif text.endswith(sign):
            text = text[: -len(sign)]
    return _CODE.sub("", text)


def _sign_and_body(text: str) -> tuple[bool, str]:
    """Whether the amount is negative, and its digits and separators."""
    negative = False
    upper = text.upper()
    if upper.endswith(("CR", "DR")):
        negative, text = upper.endswith("DR"), text[:-2]
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _strip_currency(text)
    if text.endswith("-"):
        negative, text = not negative, text[:-1]
    elif text.endswith("+"):
        text = text[:-1]
    if text.startswith(("-", "−", "–")):
        negative, text = not negative, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    return negative, _strip_currency(text)


def _guess_decimal(body: str) -> str:
    """Which of "." and "," is the decimal point when the file does not say."""
    if "." in body and "," in body:
        return "." if body.rfind(".") > body.rfind(",") else ","
    if body.count(",") == 1 and len(body.split(",")[1]) != 3:
        return ","
    return "."


def _whole(part: str, group: str) -> bool:
    """Digits, optionally grouped by threes with `group`."""
    if _DIGITS.match(part):
        return True
    groups = part.split(group)
    head, rest = groups[0], groups[1:]
    return bool(_DIGITS.match(head)) and len(head) <= 3 and all(len(g) == 3 and _DIGITS.match(g) for g in rest)


def parse_amount_text(text: str, *, decimal_separator: str | None = None) -> Decimal:
    """`text` as a signed Decimal; `decimal_separator` "." or "," (None: guessed from the text)."""
    shown = (text or "").strip()
    if not shown:
        raise AmountError("the amount is empty.")
    negative, body = _sign_and_body(_GROUPING.sub("", shown))
    if not body:
        raise AmountError(f"the amount {shown!r} has no digits.")
    decimal_point = decimal_separator or _guess_decimal(body)
    group = "," if decimal_point == "." else "."
    whole, _, fraction = body.partition(decimal_point)
    if not _whole(whole or "0", group) or (fraction and not _DIGITS.match(fraction)):
        if re.search(r"[^\d.,]", body):
            raise AmountError(f"the amount {shown!r} is not a number: it has letters or signs in it.")
        raise AmountError(
            f"the amount {shown!r} is not a number written with {decimal_point!r} as the decimal separator."
        )
    try:
        value = Decimal(f"{whole.replace(group, '') or '0'}.{fraction or '0'}")
    except InvalidOperation:
        raise AmountError(f"the amount {shown!r} is not a number.") from None
    return -value if negative else value
