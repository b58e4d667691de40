"""How a bank account is identified, per scheme: parsing what was typed or sent, the rules (IBANs and BICs
checked with schwifty), what is encrypted, what is shown, and what the duplicate fingerprint covers.

- `us_ach`: an account number (4 to 17 digits) at an ABA routing number (9 digits, check digit).
- `iban`: an IBAN (checksum, length and structure of its country), optionally the bank's BIC, which must
  belong to the IBAN's country.
- `uk`: a 6-digit sort code and an 8-digit account number.
- `other`: an account number alone (letters and digits), for banks none of the above describe.
- `none`: nothing; only cash accounts have no identifier.

The secret part (the account number, or the whole IBAN) is what gets encrypted; the bank's code (routing
number, sort code, BIC) is public and stored as it is.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)

from banking.validators import normalize_digits, validate_account_number, validate_routing_number


class Scheme(models.TextChoices):
    US_ACH = "us_ach", "US: routing and account"
    IBAN = "iban", "IBAN"
    UK = "uk", "UK: sort code and account"
    OTHER = "other", "Another country's account"
    NONE = "none", "None (cash)"


# Which fields each scheme takes, and the one it needs for its identifier.
SCHEME_FIELDS: dict[str, tuple[str, ...]] = {
    Scheme.US_ACH: ("account_number", "routing_number"),
    Scheme.IBAN: ("iban", "bic"),
    Scheme.UK: ("sort_code", "account_number"),
    Scheme.OTHER: ("account_number",),
    Scheme.NONE: (),
}
IDENTIFIER_FIELDS = ("account_number", "routing_number", "iban", "bic", "sort_code")
# The country a scheme implies when none is given (an IBAN carries its own).
SCHEME_COUNTRY: dict[str, str] = {Scheme.US_ACH: "US", Scheme.UK: "GB"}

_ALNUM = re.compile(r"^[A-Z0-9]+$")
_SEPARATORS = re.compile(r"[\s\-./]")


@dataclass(frozen=True)
class Identifier:
    """A parsed, valid identifier. `secret` is what gets encrypted (empty for `none`)."""

    scheme: str
    secret: str = ""
    routing_number: str = ""
    sort_code: str = ""
    bic: str = ""
    country: str = ""  # the IBAN's country; empty for the other schemes

    @property
    def last4(self) -> str:
        return self.secret[-4:]

    def fingerprint_data(self, user_id: Any) -> str:
        """What the duplicate fingerprint covers: the owner and the identifier, per scheme.

        `us_ach` keeps the form fingerprints had before there were schemes (a 9-digit routing number never
        reads as a scheme name), so stored fingerprints stay valid.
        """
        if self.scheme == Scheme.US_ACH:
            return f"{user_id}|{self.routing_number}|{self.secret}"
        if self.scheme == Scheme.UK:
            return f"{user_id}|uk|{self.sort_code}|{self.secret}"
        return f"{user_id}|{self.scheme}|{self.secret}"

    def display(self) -> str:
        """The full identifier as people write it (for the audited reveal only)."""
        if self.scheme == Scheme.IBAN:
            return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))
        return self.secret


def format_sort_code(sort_code: str) -> str:
    return "-".join(sort_code[i : i + 2] for i in range(0, 6, 2)) if sort_code else ""


def infer_scheme(values: dict[str, Any]) -> str:
    """The scheme that the identifier fields given (not None) describe."""
    given = {name for name in IDENTIFIER_FIELDS if values.get(name) is not None}
    if given & {"iban", "bic"}:
        return Scheme.IBAN
    if "sort_code" in given:
        return Scheme.UK
    if "routing_number" in given:
        return Scheme.US_ACH
    if "account_number" in given:
        return Scheme.OTHER
    return Scheme.NONE


def implied_country(scheme: str | None, values: dict[str, Any]) -> str:
    """The country an identifier points to, read before it is validated: an IBAN's first two letters, US for
    a routing number, GB for a sort code; "" when it says none."""
    scheme = scheme or infer_scheme(values)
    iban = values.get("iban")
    if scheme == Scheme.IBAN and isinstance(iban, str):
        code = iban.strip()[:2].upper()
        return code if len(code) == 2 and code.isalpha() else ""
    return SCHEME_COUNTRY.get(scheme, "")


def _text(value: Any, field: str, errors: dict[str, list[str]]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = ["Send this number as a string of digits (or letters), in quotes."]
        return None
    return value


def _digits(value: str, validator, field: str, errors: dict[str, list[str]]) -> str:
    """A US number as typed (spaces and dashes dropped), its validator's messages in `errors`."""
    number = normalize_digits(value)
    try:
        validator(number)
    except ValidationError as error:
        errors[field] = error.messages
    return number


def _sort_code(value: str, errors: dict[str, list[str]]) -> str:
    code = _SEPARATORS.sub("", value)
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        errors["sort_code"] = ["Enter the 6-digit sort code, e.g. 12-34-56."]
    return code


def _uk_account_number(value: str, errors: dict[str, list[str]]) -> str:
    number = normalize_digits(value)
    if not (number.isascii() and number.isdigit()):
        errors["account_number"] = ["Enter the account number using digits only."]
    elif len(number) != 8:
        errors["account_number"] = ["UK account numbers have 8 digits."]
    return number


def _other_account_number(value: str, errors: dict[str, list[str]]) -> str:
    number = _SEPARATORS.sub("", value).upper()
    if not _ALNUM.match(number):
        errors["account_number"] = ["Enter the account number using letters and digits only."]
    elif not 4 <= len(number) <= 34:
        errors["account_number"] = ["Account numbers have 4 to 34 letters and digits."]
    return number


def _iban(value: str, errors: dict[str, list[str]]) -> IBAN | None:
    try:
        return IBAN(value)
    except InvalidChecksumDigits:
        message = "That IBAN fails its check digits: look for a typo."
    except InvalidLength:
        message = "That IBAN has the wrong length for its country: check for a missing or extra character."
    except InvalidCountryCode:
        message = "That IBAN starts with an unknown country code: it begins with two letters such as DE or FR."
    except SchwiftyException:
        message = "That is not a valid IBAN: it starts with a country code (e.g. DE89 3704 0044 0532 0130 00)."
    errors["iban"] = [message]
    return None


def _bic(value: str, iban: IBAN | None, errors: dict[str, list[str]]) -> str:
    try:
        bic = BIC(_SEPARATORS.sub("", value))
    except SchwiftyException:
        errors["bic"] = ["Enter the bank's BIC (SWIFT code): 8 or 11 letters and digits, e.g. COBADEFFXXX."]
        return ""
    if iban is not None and bic.country_code != iban.country_code:
        errors["bic"] = [
            f"This BIC belongs to a bank in {bic.country_code}, but the IBAN is from {iban.country_code}: "
            "check both, or leave the BIC out."
        ]
    return str(bic.compact)


def parse_identifier(*, scheme: str | None, values: dict[str, Any]) -> Identifier:
    """The identifier of `scheme` (inferred from the fields given when None) from the raw values.

    Raises ValidationError naming each field that is missing, malformed, or not used by the scheme.
    """
    errors: dict[str, list[str]] = {}
    if scheme is None:
        scheme = infer_scheme(values)
    if scheme not in Scheme.values:
        raise ValidationError({"scheme": [f"Choose a scheme: one of {', '.join(Scheme.values)}."]})
    raw = {name: _text(values.get(name), name, errors) for name in IDENTIFIER_FIELDS}
    wanted = SCHEME_FIELDS[scheme]
    for name in IDENTIFIER_FIELDS:
        if raw[name] is not None and name not in wanted:
            errors.setdefault(name, []).append(f"An account of scheme {scheme} has no {name}: leave it out.")
    for name in wanted:
        if name != "bic" and not raw[name] and name not in errors:
            errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)

    identifier = _parse(scheme, raw, errors)
    if errors:
        raise ValidationError(errors)
    return identifier


def _parse(scheme: str, raw: dict[str, str | None], errors: dict[str, list[str]]) -> Identifier:
    if scheme == Scheme.US_ACH:
        return Identifier(
            scheme=scheme,
            secret=_digits(raw["account_number"] or "", validate_account_number, "account_number", errors),
            routing_number=_digits(raw["routing_number"] or "", validate_routing_number, "routing_number", errors),
        )
    if scheme == Scheme.UK:
        return Identifier(
            scheme=scheme,
            secret=_uk_account_number(raw["account_number"] or "", errors),
            sort_code=_sort_code(raw["sort_code"] or "", errors),
        )
    if scheme == Scheme.IBAN:
        iban = _iban(raw["iban"] or "", errors)
        bic = _bic(raw["bic"], iban, errors) if raw["bic"] else ""
        if iban is None:
            return Identifier(scheme=scheme)
        return Identifier(scheme=scheme, secret=str(iban.compact), bic=bic, country=str(iban.country_code))
    if scheme == Scheme.OTHER:
        return Identifier(scheme=scheme, secret=_other_account_number(raw["account_number"] or "", errors))
    return Identifier(scheme=scheme)


def stored_identifier(
    *, scheme: str, secret: str, routing_number: str = "", sort_code: str = "", bic: str = ""
) -> Identifier:
    """An identifier rebuilt from a stored row and its decrypted secret (key rotation, the reveal)."""
    return Identifier(scheme=scheme, secret=secret, routing_number=routing_number, sort_code=sort_code, bic=bic)
