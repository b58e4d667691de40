"""Money for people to read: integer minor units in any ISO 4217 currency, one format for the whole site.

"$1,234.56", "−$3.50", "¥1,235", "KWD 1.250", "XOF 500": a symbol where English readers know it
without doubt, otherwise the code and a space; grouping with commas; a true minus sign (U+2212).

How many digits follow the decimal point is ISO 4217's "minor unit", read from the `iso4217` package,
which ships the maintenance agency's List One and is versioned by its publication date (upgrade the
package when ISO publishes an amendment). CLDR's currency digits (what Babel and browsers use) differ
from ISO 4217 for some currencies (IQD, RSD, LBP, ...): amounts here are stored in ISO's minor units,
so they must be shown in ISO's minor units. A code ISO 4217 does not list shows as code and amount
with two decimals, so a currency Polar starts using tomorrow never breaks a page.
"""

import iso4217

MINUS_SIGN = "\u2212"
# Digits shown for a code ISO 4217 does not list, or lists without a minor unit (XAU, XDR, ...).
DEFAULT_MINOR_UNITS = 2

MINOR_UNITS: dict[str, int] = {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}

# Symbols an English reader takes for one currency only. "$" is the US dollar; other dollars say
# which ("CA$", "A$"). Every other currency shows its code, which is never ambiguous.
SYMBOLS: dict[str, str] = {
    "AUD": "A$",
    "BRL": "R$",
    "CAD": "CA$",
    "CNY": "CN¥",
    "EUR": "€",
    "GBP": "£",
    "HKD": "HK$",
    "ILS": "₪",
    "INR": "₹",
    "JPY": "¥",
    "KRW": "₩",
    "MXN": "MX$",
    "NGN": "₦",
    "NZD": "NZ$",
    "PHP": "₱",
    "SGD": "S$",
    "THB": "฿",
    "TWD": "NT$",
    "USD": "$",
    "VND": "₫",
}


def _code(currency: str | None) -> str:
    return currency.strip().upper() if isinstance(currency, str) else ""


def minor_units(currency: str | None) -> int:
    """ISO 4217 digits after the decimal point: USD 2, JPY 0, KWD 3; 2 for a code ISO 4217 does not list."""
    return MINOR_UNITS.get(_code(currency), DEFAULT_MINOR_UNITS)


def currency_symbol(currency: str | None) -> str:
    """The symbol shown before an amount ("$", "€"), or "" when the code is shown instead."""
    return SYMBOLS.get(_code(currency), "")


def format_money(amount: int | None, currency: str | None, *, signed: bool = False) -> str:
    """Minor units for display: 123456 USD -> "$1,234.56", 1250 KWD -> "KWD 1.250", 500 XOF -> "XOF 500".

    `signed` marks money in with "+" (money out always has "−"); None shows as "".
    """
    if amount is None:
        return ""
    code = _code(currency)
    exponent = minor_units(code)
    whole, fraction = divmod(abs(int(amount)), 10**exponent)
    number = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    prefix = SYMBOLS.get(code) or (f"{code} " if code else "")
    body = prefix + number
    if amount < 0:
        return MINUS_SIGN + body
    if signed and amount > 0:
        return "+" + body
    return body
