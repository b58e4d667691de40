"""Currencies and money: ISO 4217 codes with their own minor units, parsing and display.

Amounts are integers in minor units everywhere (cents, yen, fils); `Decimal` appears only while parsing
what a person typed and never `float`.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

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
    ("AED", "UAE dirham", 2, ""),
    ("ARS", "Argentine peso", 2, ""),
    ("AUD", "Australian dollar", 2, "A$"),
    ("BHD", "Bahraini dinar", 3, ""),
    ("BRL", "Brazilian real", 2, "R$"),
    ("CAD", "Canadian dollar", 2, "CA$"),
    ("CHF", "Swiss franc", 2, ""),
    ("CLP", "Chilean peso", 0, ""),
    ("CNY", "Chinese yuan", 2, "CN¥"),
    ("COP", "Colombian peso", 2, ""),
    ("CZK", "Czech koruna", 2, ""),
    ("DKK", "Danish krone", 2, ""),
    ("EGP", "Egyptian pound", 2, ""),
    ("EUR", "Euro", 2, "€"),
    ("GBP", "Pound sterling", 2, "£"),
    ("HKD", "Hong Kong dollar", 2, "HK$"),
    ("HUF", "Hungarian forint", 2, ""),
    ("IDR", "Indonesian rupiah", 2, ""),
    ("ILS", "Israeli new shekel", 2, "₪"),
    ("INR", "Indian rupee", 2, "₹"),
    ("ISK", "Icelandic króna", 0, ""),
    ("JOD", "Jordanian dinar", 3, ""),
    ("JPY", "Japanese yen", 0, "¥"),
    ("KES", "Kenyan shilling", 2, ""),
    ("KRW", "South Korean won", 0, "₩"),
    ("KWD", "Kuwaiti dinar", 3, ""),
    ("MXN", "Mexican peso", 2, "MX$"),
    ("MYR", "Malaysian ringgit", 2, ""),
    ("NGN", "Nigerian naira", 2, "₦"),
    ("NOK", "Norwegian krone", 2, ""),
    ("NZD", "New Zealand dollar", 2, "NZ$"),
    ("OMR", "Omani rial", 3, ""),
    ("PHP", "Philippine peso", 2, "₱"),
    ("PLN", "Polish złoty", 2, ""),
    ("SAR", "Saudi riyal", 2, ""),
    ("SEK", "Swedish krona", 2, ""),
    ("SGD", "Singapore dollar", 2, "S$"),
    ("THB", "Thai baht", 2, "฿"),
    ("TND", "Tunisian dinar", 3, ""),
    ("TRY", "Turkish lira", 2, ""),
    ("TWD", "New Taiwan dollar", 2, "NT$"),
    ("UGX", "Ugandan shilling", 0, ""),
    ("USD", "US dollar", 2, "$"),
    ("VND", "Vietnamese đồng", 0, "₫"),
    ("ZAR", "South African rand", 2, ""),
]

CURRENCIES: dict[str, Currency] = {code: Currency(code, name, exp, sym) for code, name, exp, sym in _TABLE}
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
    currency = CURRENCIES.get(currency_code)
    exponent = currency.exponent if currency else 2
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(int(amount)), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"


def format_money(amount: int | None, currency_code: str, *, signed: bool = False) -> str:
    """Minor units for display in the currency's own format: "$1,234.56", "¥1,235", "KWD 1.250"."""
    if amount is None:
        return ""
    currency = CURRENCIES.get(currency_code)
    exponent = currency.exponent if currency else 2
    whole, frac = divmod(abs(int(amount)), 10**exponent)
    number = f"{whole:,}" + (f".{frac:0{exponent}d}" if exponent else "")
    symbol = currency.symbol if currency else ""
    body = f"{symbol}{number}" if symbol else f"{currency_code} {number}"
    if amount < 0:
        return f"−{body}"
    if signed and amount > 0:
        return f"+{body}"
    return body
