"""What every bank-file reader shares: the rows they yield, the errors they raise, and reading text.

A reader turns a file into `ParsedRow`s (one per transaction line, amounts as `Decimal` in the file's
currency) and `RowProblem`s (a line it could not read, with the reason), one at a time: nothing holds the
whole file or all its rows. A file it cannot read at all raises `ImportFileError` with a message for the
person who uploaded it.
"""

import codecs
import datetime
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

CHUNK = 64 * 1024
MAX_LINE = 1024 * 1024
# Limits of the transaction fields the rows go into (banking.models.Transaction).
DESCRIPTION_MAX = 255
MERCHANT_MAX = 100
EXTERNAL_ID_MAX = 100


class ImportFileError(Exception):
    """The file cannot be imported at all; the message says why and what to do."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class ParsedRow:
    """One transaction line: `amount` is signed (negative when money leaves), in the file's currency."""

    row: int
    transaction_date: datetime.date
    amount: Decimal
    description: str
    posting_date: datetime.date | None = None
    merchant_name: str = ""
    external_id: str = ""
    category: str = ""
    currency: str = ""  # when the line itself names one
    pending: bool = False


@dataclass
class RowProblem:
    """A line that could not be read: which one, and why."""

    row: int
    message: str


@dataclass
class Statement:
    """One account's statement inside a file (OFX and CAMT.053 files may hold several)."""

    index: int
    account: str  # the last characters of the account number, never the whole number
    currency: str
    rows: int = 0
    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass
class Inspection:
    """What a first look at a file found: enough to ask the person what is missing before reading rows."""

    format: str
    statements: list[Statement] = field(default_factory=list)
    # CSV: how it is written and what its columns look like.
    encoding: str = ""
    bom: int = 0  # bytes of byte-order mark to skip
    delimiter: str = ""
    header_row: int = 0  # which record (1-based) is the header; 0 when the file has none
    data_start: int = 0  # records (0-based) before the first row of data
    columns: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)
    guessed: dict[str, str | bool] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "format": self.format,
            "statements": [
                {
                    "index": s.index,
                    "account": s.account,
                    "currency": s.currency,
                    "rows": s.rows,
                    "start": s.start.isoformat() if s.start else None,
                    "end": s.end.isoformat() if s.end else None,
                }
                for s in self.statements
            ],
            "encoding": self.encoding,
            "bom": self.bom,
            "delimiter": self.delimiter,
            "header_row": self.header_row,
            "data_start": self.data_start,
            "columns": self.columns,
            "sample": self.sample,
            "guessed": self.guessed,
        }


def masked(account_number: str) -> str:
    """The last four characters of an account number, as the site shows numbers."""
    cleaned = re.sub(r"\s", "", account_number or "")
    return f"····{cleaned[-4:]}" if cleaned else ""


def clip(text: str, limit: int) -> str:
    """Text for a field of `limit` characters: whitespace collapsed, NULs and control characters removed."""
    cleaned = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text or "")
    cleaned = " ".join(cleaned.split())
    return cleaned[:limit].rstrip()


def external_id(value: str) -> str:
    """A bank's own reference as it fits the transaction's `external_id` (longer ones are shortened the same
    way every time, so the same reference still matches on the next import)."""
    value = clip(value, 10_000)
    if len(value) <= EXTERNAL_ID_MAX:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[: EXTERNAL_ID_MAX - 7]


_PUNCTUATION = re.compile(r"[^\w\s]|_")


def normalize_description(text: str) -> str:
    """The description as duplicates are matched on: case, accents, spacing and punctuation ignored
    ("Trader Joe's" and "TRADER JOES" are one)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_PUNCTUATION.sub("", plain).split())[:DESCRIPTION_MAX]


def decimal(text: str) -> Decimal | None:
    """A plain decimal number ("-12.50", "1250"), or None."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def read_text(source: BinaryIO, encoding: str, *, start: int = 0) -> Iterator[str]:
    """The file from byte `start`, decoded chunk by chunk (a character split between chunks is kept whole)."""
    source.seek(start)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    while chunk := source.read(CHUNK):
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError:
            raise ImportFileError(
                f"Part of this file is not valid {encoding} text: export it again from your bank."
            ) from None
    yield decoder.decode(b"", final=True)


def lines(source: BinaryIO, encoding: str, *, start: int = 0, keepends: bool = False) -> Iterator[str]:
    """The file's lines (split at "\n"; "\r\n" and a lone "\r" at the end are line ends too), read chunk by
    chunk. `keepends` keeps them, as the csv module wants (a quoted field may span lines)."""
    pending = ""
    for text in read_text(source, encoding, start=start):
        pending += text
        *complete, pending = pending.split("\n")
        if len(pending) > MAX_LINE:
            raise ImportFileError("A line of this file is longer than 1 MB: this is not a bank statement.")
        for line in complete:
            yield line + "\n" if keepends else line.rstrip("\r")
    if pending:
        yield pending if keepends else pending.rstrip("\r")
