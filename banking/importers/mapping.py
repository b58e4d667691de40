"""A CSV file's mapping: which column holds what (values are the file's header names), plus how dates and
amounts are written. `guess_mapping` proposes one from the header and a sample; `clean_mapping` checks one
against the file's columns.

    {"date": "Date", "amount": "Amount", "description": "Details", "merchant_name": "Payee",
     "external_id": "Reference", "category": "Category", "date_format": "%d/%m/%Y",
     "decimal_separator": ",", "negate": false}

`amount` may be replaced by `debit` and/or `credit` (money out and money in, in two columns).
"""

import re
import unicodedata
from typing import Any

from banking.importers.dates import format_problem, guess_date_format, parse_date
from banking.importers.numbers import AmountError, parse_amount_text
from banking.money import DECIMAL_COMMA_CURRENCIES

COLUMN_KEYS = ("date", "amount", "debit", "credit", "description", "merchant_name", "external_id", "category")
OPTION_KEYS = ("date_format", "decimal_separator", "negate")
LABELS = {
    "date": "Date",
    "amount": "Amount",
    "debit": "Money out (debit)",
    "credit": "Money in (credit)",
    "description": "Description",
    "merchant_name": "Payee / merchant",
    "external_id": "Reference (unique per transaction)",
    "category": "Category",
}

# Header words banks use, in the languages their exports come in; the first that fits wins.
_WORDS = {
    "date": ["transaction date", "booking date", "posted date", "posting date", "date", "buchungstag",
             "buchungsdatum", "datum", "fecha", "data", "date operation", "date de l operation", "dato",
             "valuta", "value date", "wertstellung"],
    "amount": ["amount", "betrag", "montant", "importe", "bedrag", "belopp", "beløb", "kwota", "importo",
               "transaction amount", "value", "umsatz"],
    "debit": ["debit", "debit amount", "withdrawal", "withdrawals", "paid out", "money out", "soll", "belastung",
              "lastschrift", "debe", "ausgang", "out"],
    "credit": ["credit", "credit amount", "deposit", "deposits", "paid in", "money in", "haben", "gutschrift",
               "haber", "eingang", "in"],
    "description": ["description", "transaction description", "details", "narrative", "memo", "purpose",
                    "verwendungszweck", "buchungstext", "libelle", "concepto", "omschrijving", "text",
                    "transaction details", "particulars", "reference text"],
    "merchant_name": ["payee", "merchant", "merchant name", "counterparty", "name", "beguenstigter",
                      "empfanger", "zahlungsempfanger", "auftraggeber", "beguenstigter zahlungspflichtiger",
                      "beneficiaire", "tegenrekening naam", "payee name"],
    "external_id": ["transaction id", "transactionid", "id", "fitid", "unique id", "transaction reference",
                    "reference number", "referenz", "bank reference"],
    "category": ["category", "kategorie", "categorie", "categoria"],
}  # fmt: skip


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _by_name(columns: list[str], key: str, taken: set[str]) -> str | None:
    plain = {column: _plain(column) for column in columns if column not in taken}
    for word in _WORDS[key]:
        for column, name in plain.items():
            if name == word:
                return column
    for word in _WORDS[key]:
        if len(word) < 4:
            continue
        for column, name in plain.items():
            if word in name.split() or (len(word) > 5 and word in name):
                return column
    return None


def _values(data: list[list[str]], columns: list[str], column: str) -> list[str]:
    index = columns.index(column)
    return [r[index].strip() for r in data if index < len(r) and r[index].strip()]


def _is_amounts(values: list[str]) -> bool:
    if not values:
        return False
    try:
        for value in values:
            parse_amount_text(value)
    except AmountError:
        return False
    return True


def _decimal_separator(values: list[str], currency: str) -> str:
    comma = sum(1 for v in values if re.search(r",\d{1,2}\s*(?:-|CR|DR)?\s*$", v))
    point = sum(1 for v in values if re.search(r"\.\d{1,2}\s*(?:-|CR|DR)?\s*$", v))
    if comma != point:
        return "," if comma > point else "."
    return "," if currency in DECIMAL_COMMA_CURRENCIES else "."


def guess_mapping(columns: list[str], data: list[list[str]], *, currency: str = "") -> dict[str, Any]:
    """A mapping for these columns, from their names and the sample's values; keys it cannot fill are left
    out (no date column found: no "date")."""
    guessed: dict[str, Any] = {}
    taken: set[str] = set()

    def take(key: str, column: str | None) -> None:
        if column is not None:
            guessed[key] = column
            taken.add(column)

    date = _by_name(columns, "date", taken)
    if date is None or guess_date_format(_values(data, columns, date), currency=currency) is None:
        date = next(
            (c for c in columns if _values(data, columns, c) and all(parse_date(v) for v in _values(data, columns, c))),
            None,
        )
    take("date", date)
    if date is not None:
        guessed["date_format"] = guess_date_format(_values(data, columns, date), currency=currency) or ""
    amount = _by_name(columns, "amount", taken)
    if amount is not None and _is_amounts(_values(data, columns, amount)):
        take("amount", amount)
    else:
        for key in ("debit", "credit"):
            column = _by_name(columns, key, taken)
            values = _values(data, columns, column) if column is not None else []
            if column is not None and (_is_amounts(values) or not values):
                take(key, column)
        if "debit" not in guessed and "credit" not in guessed:
            numeric = [c for c in columns if c not in taken and _is_amounts(_values(data, columns, c))]
            take("amount", numeric[0] if numeric else None)
    money = [guessed[k] for k in ("amount", "debit", "credit") if k in guessed]
    guessed["decimal_separator"] = _decimal_separator(
        [v for column in money for v in _values(data, columns, column)], currency
    )
    # Not the category: a bank's categories are not the user's, and every row would be invalid.
    for key in ("description", "merchant_name"):
        take(key, _by_name(columns, key, taken))
    reference = _by_name(columns, "external_id", taken)
    if reference is not None:
        values = _values(data, columns, reference)
        # A reference column only if each row has its own: a repeated one would make real rows duplicates.
        if values and len(values) == len(data) and len(set(values)) == len(values):
            take("external_id", reference)
    if "description" not in guessed:
        texts = [c for c in columns if c not in taken and not _is_amounts(_values(data, columns, c))]
        longest = max(texts, key=lambda c: sum(len(v) for v in _values(data, columns, c)), default=None)
        take("description", longest)
    guessed["negate"] = False
    return guessed


def clean_mapping(mapping: Any, columns: list[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The mapping with only what it may hold, and the problems with it, per key."""
    if not isinstance(mapping, dict):
        return {}, {"mapping": ['Send the mapping as a JSON object, e.g. {"date": "Date", "amount": "Amount"}.']}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in sorted(set(mapping) - set(COLUMN_KEYS) - set(OPTION_KEYS) - {"statement"}):
        errors[str(key)[:40]] = [f"Unknown key: use {', '.join(COLUMN_KEYS + OPTION_KEYS)}."]
    shown = ", ".join(repr(c) for c in columns[:30])
    for key in COLUMN_KEYS:
        value = mapping.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or value not in columns:
            errors[key] = [f"Column {str(value)[:60]!r} is not in this file; its columns are {shown}."]
            continue
        clean[key] = value
    if "date" not in clean and "date" not in errors:
        errors["date"] = ["Choose the column that holds each transaction's date."]
    if "amount" in clean and ("debit" in clean or "credit" in clean):
        errors["amount"] = ["Use either one amount column, or debit and credit columns, not both."]
    elif not any(k in clean for k in ("amount", "debit", "credit")) and not {"amount", "debit", "credit"} & set(errors):
        errors["amount"] = ["Choose the amount column (or the debit and credit columns)."]
    if "description" not in clean and "description" not in errors:
        errors["description"] = ["Choose the column that describes each transaction."]
    picked = [clean[k] for k in COLUMN_KEYS if k in clean]
    for column in {c for c in picked if picked.count(c) > 1}:
        for key in COLUMN_KEYS:
            if clean.get(key) == column and key not in errors:
                errors[key] = [f"Column {column!r} is chosen for more than one field."]
    date_format = mapping.get("date_format") or ""
    if not isinstance(date_format, str) or (date_format and format_problem(date_format)):
        errors["date_format"] = [format_problem(date_format) if isinstance(date_format, str) else "Send text."]
    else:
        clean["date_format"] = date_format
    separator = mapping.get("decimal_separator") or "."
    if separator not in (".", ","):
        errors["decimal_separator"] = ['Use "." or "," as the decimal separator.']
    else:
        clean["decimal_separator"] = separator
    negate = mapping.get("negate", False)
    if not isinstance(negate, bool):
        errors["negate"] = ["Send true or false."]
    clean["negate"] = negate is True
    return clean, errors
