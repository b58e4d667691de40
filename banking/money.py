"""Currencies and money: the ISO 4217 codes accounts may hold, parsing what people type, and display.

Amounts are integers in minor units everywhere (cents, yen, fils); `Decimal` appears only while parsing
what a person typed and never `float`.
"""

import re
from dataclasses import dataclass

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

# Currencies whose home locales write amounts as "1.234,50" (CLDR's decimal symbol for the main locale of
# the issuing country): their amount fields also take a decimal comma and dots between thousands.
DECIMAL_COMMA_CURRENCIES = frozenset(
    {"ARS", "BRL", "CLP", "COP", "CZK", "DKK", "EUR", "HUF", "IDR", "ISK", "NOK", "PLN", "SEK", "TND", "TRY",
     "VND", "ZAR"}
)  # fmt: skip
# Signs people type before (or after) an amount besides the code and the symbol format_money shows.
LOCAL_SIGNS: dict[str, tuple[str, ...]] = {
    "CHF": ("Fr", "SFr"),
    "CZK": ("Kč",),
    "DKK": ("kr",),
    "HUF": ("Ft",),
    "IDR": ("Rp",),
    "ISK": ("kr",),
    "MYR": ("RM",),
    "NOK": ("kr",),
    "PLN": ("zł",),
    "SEK": ("kr",),
    "TRY": ("₺", "TL"),
    "ZAR": ("R",),
}

# The currency a country's accounts usually hold: the default for a new account in that country.
COUNTRY_CURRENCY: dict[str, str] = {
    **dict.fromkeys(
        ("AD", "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MC",
         "ME", "MT", "NL", "PT", "SI", "SK", "SM", "VA", "XK", "GF", "GP", "MQ", "RE", "YT", "BL", "MF", "PM",
         "AX"),
        "EUR",
    ),  # fmt: skip
    **dict.fromkeys(("US", "PR", "GU", "VI", "AS", "MP", "EC", "SV", "TL", "FM", "MH", "PW", "TC", "VG"), "USD"),
    **dict.fromkeys(("GB", "GG", "JE", "IM"), "GBP"),
    **dict.fromkeys(("CH", "LI"), "CHF"),
    **dict.fromkeys(("DK", "GL", "FO"), "DKK"),
    **dict.fromkeys(("NO", "SJ", "BV"), "NOK"),
    **dict.fromkeys(("AU", "CX", "CC", "NF", "KI", "NR", "TV"), "AUD"),
    **dict.fromkeys(("NZ", "CK", "NU", "PN", "TK"), "NZD"),
    "AE": "AED", "AR": "ARS", "BH": "BHD", "BR": "BRL", "CA": "CAD", "CL": "CLP", "CN": "CNY", "CO": "COP",
    "CZ": "CZK", "EG": "EGP", "HK": "HKD", "HU": "HUF", "ID": "IDR", "IL": "ILS", "IN": "INR", "IS": "ISK",
    "JO": "JOD", "JP": "JPY", "KE": "KES", "KR": "KRW", "KW": "KWD", "MX": "MXN", "MY": "MYR", "NG": "NGN",
    "OM": "OMR", "PH": "PHP", "PL": "PLN", "SA": "SAR", "SE": "SEK", "SG": "SGD", "TH": "THB", "TN": "TND",
    "TR": "TRY", "TW": "TWD", "UG": "UGX", "VN": "VND", "ZA": "ZAR",
}  # fmt: skip


def default_currency(country: str) -> str | None:
    """The currency a new account in `country` holds unless told otherwise: USD without a country, None for a
    country whose currency accounts here cannot hold."""
    return COUNTRY_CURRENCY.get(country) if country else "USD"


_SPACES = re.compile(r"[\s\u00a0\u202f'’]")
_SIGN_SPLIT = re.compile(r"([^\d.,]*)(.*?)([^\d.,]*)")


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


def validate_signed_amount(amount: int) -> None:
    """A stored balance: a whole number of minor units, negative when money is owed, at most MAX_AMOUNT either way."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError("Send the amount as a whole number of minor units (cents), e.g. -1250.", code="type")
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(
            "That amount is too large: the most is %(max)s minor units either way.",
            code="too_large",
            params={"max": MAX_AMOUNT},
        )


def _signs(currency: Currency) -> set[str]:
    """What may stand before or after an amount of this currency: its code and symbols ("CA$" and "$")."""
    signs = {currency.code, *LOCAL_SIGNS.get(currency.code, ())}
    if currency.symbol:
        signs |= {currency.symbol, currency.symbol.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    return {s.casefold() for s in signs if s}


def _other_currency(sign: str) -> str | None:
    for other in CURRENCIES.values():
        if sign.casefold() in _signs(other):
            return other.code
    return None


def _without_sign(raw: str, currency: Currency) -> str:
    prefix, body, suffix = _SIGN_SPLIT.fullmatch(raw).groups()  # type: ignore[union-attr]  # always matches
    for sign in (prefix, suffix):
        if not sign or sign.casefold() in _signs(currency):
            continue
        if _other_currency(sign) is not None:
            raise ValidationError(
                "This amount is in %(code)s: leave out the %(sign)s sign.",
                code="other_currency",
                params={"code": currency.code, "sign": sign},
            )
        raise _not_a_number(currency)
    if prefix and suffix:
        raise _not_a_number(currency)
    return body


def _not_a_number(currency: Currency) -> ValidationError:
    example = "1,250" if currency.exponent == 0 else "1,234.5" + "0" * (currency.exponent - 1)
    if currency.code in DECIMAL_COMMA_CURRENCIES:
        example += " or " + example.replace(",", " ").replace(".", ",").replace(" ", ".")
    return ValidationError("Enter a number such as %(example)s.", code="invalid", params={"example": example})


def _read(raw: str, *, decimal: str, group: str) -> tuple[str, str] | None:
    """(whole digits, decimal digits) when `raw` is a number written with these separators."""
    g, d = re.escape(group), re.escape(decimal)
    match = re.fullmatch(rf"(\d+|\d{{1,3}}(?:{g}\d{{3}})+)?(?:{d}(\d+))?", raw)
    if match is None or not (match.group(1) or match.group(2)):
        return None
    return (match.group(1) or "0").replace(group, ""), match.group(2) or ""


def _minor_units(text: str, currency: Currency) -> int:
    """A typed amount without its sign as minor units (zero or more).

    Amounts are read as English writes them ("1,234.50"), and for currencies whose locales use a decimal
    comma also as those do ("1.234,50"). When the two readings give different valid amounts ("1,234" of a
    3-decimal currency) the person is asked to write it unambiguously.
    """
    raw = _without_sign(_SPACES.sub("", text or ""), currency)
    conventions = [(".", ",")]
    if currency.code in DECIMAL_COMMA_CURRENCIES:
        conventions.append((",", "."))
    readings = [r for decimal, group in conventions if (r := _read(raw, decimal=decimal, group=group))]
    if not readings:
        raise _not_a_number(currency)
    values = {
        int(whole) * currency.factor + int(decimals.ljust(currency.exponent, "0")[: currency.exponent] or 0)
        for whole, decimals in readings
        if len(decimals.rstrip("0")) <= currency.exponent
    }
    if not values:
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
    if len(values) > 1:
        low, high = sorted(values)
        raise ValidationError(
            "Did you mean %(low)s or %(high)s? Write the amount with its decimals to make it clear.",
            code="ambiguous",
            params={"low": format_money(low, currency.code), "high": format_money(high, currency.code)},
        )
    return values.pop()


def _split_minus(text: str) -> tuple[bool, str]:
    stripped = (text or "").strip()
    if stripped.startswith(("-", "−")):
        return True, stripped[1:]
    return False, stripped


def parse_amount(text: str, currency_code: str) -> int:
    """What a person typed ("12.34", "1,250", "$1,234.50", "1.234,50 €" for EUR) as minor units of
    `currency_code`.

    Rejects non-numbers, signs, another currency's symbol, more decimals than the currency has, zero and
    amounts above MAX_AMOUNT.
    """
    currency = get_currency(currency_code)
    negative, rest = _split_minus(text)
    if negative:
        raise ValidationError("Enter an amount greater than zero, without a minus sign.", code="not_positive")
    minor = _minor_units(rest, currency)
    validate_amount(minor)
    return minor


def parse_signed_amount(text: str, currency_code: str) -> int:
    """Like `parse_amount`, for a balance: zero is fine, and a leading minus means money owed."""
    currency = get_currency(currency_code)
    negative, rest = _split_minus(text)
    minor = _minor_units(rest, currency)
    validate_signed_amount(minor)
    return -minor if negative else minor


def to_decimal_string(amount: int, currency_code: str) -> str:
    """Minor units as a plain decimal string for a form field: 123456 USD -> "1234.56"."""
    exponent = minor_units(currency_code)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(int(amount)), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"
