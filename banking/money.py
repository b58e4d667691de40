"""Currencies and money: the ISO 4217 codes accounts may hold, parsing what people type, and display.

Amounts are integers in minor units everywhere (cents, yen, fils); `Decimal` appears only while parsing
what a person typed and never `float`.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from saas.money import currency_symbol, minor_units
from saas.money import format_money as format_money  # the site's one formatter, re-exported

# The largest amount one transaction or budget may carry, in minor units: 10^12 (ten billion dollars).
MAX_AMOUNT = 10**12


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    exponent: int  # ISO 4217 minor units: digits after the decimal point
    symbol: str = ""

    @property
    def factor(self) -> int:
        return 10**self.exponent


_TABLE = [
    ("AED", "UAE dirham"),
    ("ARS", "Argentine peso"),
    ("AUD", "Australian dollar"),
    ("BHD", "Bahraini dinar"),
    ("BRL", "Brazilian real"),
    ("CAD", "Canadian dollar"),
    ("CHF", "Swiss franc"),
    ("CLP", "Chilean peso"),
    ("CNY", "Chinese yuan"),
    ("COP", "Colombian peso"),
    ("CZK", "Czech koruna"),
    ("DKK", "Danish krone"),
    ("EGP", "Egyptian pound"),
    ("EUR", "Euro"),
    ("GBP", "Pound sterling"),
    ("HKD", "Hong Kong dollar"),
    ("HUF", "Hungarian forint"),
    ("IDR", "Indonesian rupiah"),
    ("ILS", "Israeli new shekel"),
    ("INR", "Indian rupee"),
    ("ISK", "Icelandic króna"),
    ("JOD", "Jordanian dinar"),
    ("JPY", "Japanese yen"),
    ("KES", "Kenyan shilling"),
    ("KRW", "South Korean won"),
    ("KWD", "Kuwaiti dinar"),
    ("MXN", "Mexican peso"),
    ("MYR", "Malaysian ringgit"),
    ("NGN", "Nigerian naira"),
    ("NOK", "Norwegian krone"),
    ("NZD", "New Zealand dollar"),
    ("OMR", "Omani rial"),
    ("PHP", "Philippine peso"),
    ("PLN", "Polish złoty"),
    ("SAR", "Saudi riyal"),
    ("SEK", "Swedish krona"),
    ("SGD", "Singapore dollar"),
    ("THB", "Thai baht"),
    ("TND", "Tunisian dinar"),
    ("TRY", "Turkish lira"),
    ("TWD", "New Taiwan dollar"),
    ("UGX", "Ugandan shilling"),
    ("USD", "US dollar"),
    ("VND", "Vietnamese đồng"),
    ("ZAR", "South African rand"),
]

# The currencies an account or budget may hold; their minor units and symbols are saas.money's.
CURRENCIES: dict[str, Currency] = {
    code: Currency(code, name, minor_units(code), currency_symbol(code)) for code, name in _TABLE
}
CURRENCY_CODES: tuple[str, ...] = tuple(sorted(CURRENCIES))
CURRENCY_CHOICES = [(c.code, f"{c.code} · {c.name}") for c in sorted(CURRENCIES.values(), key=lambda c: c.code)]

_AMOUNT_RE = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$|^\.(\d+)$")


def get_currency(code: str) -> Currency:
    """The currency for an ISO 4217 code; ValidationError naming the problem otherwise."""
    if not isinstance(code, str) or code.upper() not in CURRENCIES:
        raise ValidationError(
            "Unknown currency %(code)s: use a three-letter ISO 4217 code such as USD, EUR or JPY.",
            code="unknown_currency",
            params={"code": repr(code) if not isinstance(code, str) else code or "(empty)"},
        )
    return CURRENCIES[code.upper()]


def validate_currency(code: str) -> None:
    get_currency(code)


def validate_amount(amount: int) -> None:
    """A stored amount: a whole number of minor units, above zero, at most MAX_AMOUNT."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError("Send the amount as a whole number of minor units (cents), e.g. 1250.", code="type")
    if amount <= 0:
        raise ValidationError("Enter an amount greater than zero.", code="not_positive")
    if amount > MAX_AMOUNT:
        raise ValidationError(
            "That amount is too large: the most is %(max)s minor units.", code="too_large", params={"max": MAX_AMOUNT}
        )


def parse_amount(text: str, currency_code: str) -> int:
    """What a person typed ("12.34", "1,250", "0.5") as minor units of `currency_code`.

    Rejects non-numbers, signs, more decimals than the currency has, zero and amounts above MAX_AMOUNT.
    """
    currency = get_currency(currency_code)
    raw = (text or "").strip().replace(" ", "")
    if raw.startswith(("-", "−")):
        raise ValidationError("Enter an amount greater than zero, without a minus sign.", code="not_positive")
    match = _AMOUNT_RE.match(raw)
    if not match:
        example = "1250" if currency.exponent == 0 else "12." + "5" * currency.exponent
        raise ValidationError(
            "Enter a number such as %(example)s (digits and an optional decimal point).",
            code="invalid",
            params={"example": example},
        )
    decimals = match.group(1) or match.group(2) or ""
    if len(decimals.rstrip("0")) > currency.exponent:
        if currency.exponent == 0:
            raise ValidationError(
                "%(code)s amounts are whole numbers: remove the decimals.",
                code="precision",
                params={"code": currency.code},
            )
        raise ValidationError(
            "%(code)s amounts have at most %(n)s decimal places.",
            code="precision",
            params={"code": currency.code, "n": currency.exponent},
        )
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise ValidationError("Enter a number such as 12.50.", code="invalid")
    minor = int(value.scaleb(currency.exponent))
    validate_amount(minor)
    return minor


def to_decimal_string(amount: int, currency_code: str) -> str:
    """Minor units as a plain decimal string for a form field: 123456 USD -> "1234.56"."""
    exponent = minor_units(currency_code)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(int(amount)), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"
