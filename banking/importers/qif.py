"""QIF (Quicken Interchange Format) files, read line by line.

QIF is a flat list of records, one field per line (`D` date, `T` amount, `P` payee, `M` memo, `N` number,
`L` category), each record ending with `^`, under `!Type:` section headers. Nothing nests and nothing is
escaped, so it is read here as it streams past; quiffen, the maintained library, reads whole files and
pins an older python-dateutil than the rest of the site uses.

Dates are written as the exporting program's locale wants: 03/14/2025, 14/03/2025, 3/14'25, 2025-03-14.
`inspect` looks at every date to tell month-first from day-first; when no date settles it, the
account's country decides.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from banking.importers.base import (
    DESCRIPTION_MAX,
    MERCHANT_MAX,
    ImportFileError,
    Inspection,
    ParsedRow,
    RowProblem,
    Statement,
    clip,
    lines,
)
from banking.importers.detect import text_encoding
from banking.importers.numbers import AmountError, parse_amount_text

# Sections that hold money movements of one account; the others are lists (categories, classes, ...).
MONEY_SECTIONS = {"bank", "cash", "ccard", "oth a", "oth l"}
_DATE = re.compile(r"^\s*(\d{1,4})\s*[/.\-]\s*(\d{1,2})\s*(?:[/.\-']\s*(\d{1,4}))?\s*$")


@dataclass
class _Record:
    line: int
    fields: dict[str, str] = field(default_factory=dict)


def _encoding(source: BinaryIO) -> tuple[str, int]:
    source.seek(0)
    found, skip = text_encoding(source.read(4096))
    if found:
        return found, skip
    source.seek(0)
    # QIF predates Unicode: UTF-8 when every byte fits it, else the Windows code page Quicken wrote.
    try:
        for _ in lines(source, "utf-8"):
            pass
    except ImportFileError:
        return "cp1252", 0
    return "utf-8", 0


def _records(source: BinaryIO) -> Iterator[tuple[int, str, _Record]]:
    """(statement index, section type, record) for every record, in file order."""
    encoding, skip = _encoding(source)
    statement, section, in_account = 0, "", False
    seen_money = False
    record = _Record(line=1)
    for number, raw in enumerate(lines(source, encoding, start=skip), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("!"):
            head = line[1:].strip().lower()
            if head == "account":
                in_account = True
                if seen_money:
                    statement += 1
                    seen_money = False
            elif head.startswith("type:"):
                section, in_account = head[5:].strip(), False
            record = _Record(line=number + 1)
            continue
        if line.startswith("^"):
            if record.fields:
                if in_account:
                    yield statement, "!account", record
                else:
                    seen_money |= section in MONEY_SECTIONS
                    yield statement, section, record
            record = _Record(line=number + 1)
            continue
        if not record.fields:
            record.line = number
        code, value = line[0].upper(), line[1:].strip()
        if code in record.fields and code in "ML":
            record.fields[code] += " " + value
        else:
            record.fields.setdefault(code, value)
    if record.fields and not in_account:
        yield statement, section, record


def _date_parts(text: str) -> tuple[int, int, int] | None:
    match = _DATE.match(text.replace(" ", ""))
    if match is None or match.group(3) is None:
        return None
    a, b, c = (int(part) for part in match.groups())
    if len(match.group(1)) == 4:  # 2025-03-14
        return (a, b, c)
    year = c if len(match.group(3)) == 4 else (2000 + c if c < 70 else 1900 + c)
    return (year, a, b)  # month and day, in an order still to be decided


def inspect(source: BinaryIO) -> Inspection:
    """The accounts in the file, and whether its dates put the month or the day first."""
    statements: dict[int, Statement] = {}
    names: dict[int, str] = {}
    month_first = day_first = False
    for index, section, record in _records(source):
        if section == "!account":
            names[index] = record.fields.get("N", "")
            continue
        if section not in MONEY_SECTIONS:
            continue
        statement = statements.setdefault(index, Statement(index=index, account="", currency=""))
        statement.rows += 1
        parts = _date_parts(record.fields.get("D", ""))
        if parts is not None and len(str(record.fields.get("D", "")).split("-")[0]) != 4:
            _, first, second = parts
            month_first |= second > 12
            day_first |= first > 12
    if not statements:
        raise ImportFileError("This QIF file holds no bank, cash or card transactions.")
    for index, statement in statements.items():
        statement.account = clip(names.get(index, ""), 40)
    order = "mdy" if month_first and not day_first else "dmy" if day_first and not month_first else ""
    return Inspection(format="qif", statements=list(statements.values()), guessed={"date_order": order})


def _date(text: str, order: str) -> datetime.date:
    parts = _date_parts(text)
    if parts is None:
        raise ValueError(f"the date {text!r} is not a date")
    year, first, second = parts
    if len(text.strip().split("-")[0]) == 4:
        return datetime.date(year, first, second)
    month, day = (first, second) if order == "mdy" else (second, first)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"the date {text!r} is not a real date") from None


def rows(source: BinaryIO, *, statement: int = 0, date_order: str = "mdy") -> Iterator[ParsedRow | RowProblem]:
    """The chosen account's transactions (`inspect` lists them); `date_order` is "mdy" or "dmy"."""
    number = 0
    for index, section, record in _records(source):
        if section not in MONEY_SECTIONS or index != statement:
            continue
        number += 1
        fields = record.fields
        where = f"Transaction {number} (line {record.line})"
        try:
            day = _date(fields.get("D", ""), date_order)
        except ValueError as error:
            yield RowProblem(row=number, message=f"{where}: {error}.")
            continue
        try:
            amount = parse_amount_text(fields.get("T") or fields.get("U") or "")
        except AmountError as error:
            yield RowProblem(row=number, message=f"{where}: {error}")
            continue
        # Quicken's categories ("Food:Groceries", "[Savings]" for transfers) are not the site's: not used.
        payee, memo = fields.get("P", ""), fields.get("M", "")
        yield ParsedRow(
            row=number,
            transaction_date=day,
            amount=amount,
            description=clip(payee or memo, DESCRIPTION_MAX),
            merchant_name=clip(payee, MERCHANT_MAX),
        )
