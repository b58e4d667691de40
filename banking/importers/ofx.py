"""OFX and QFX statements, version 1 (SGML) and 2 (XML), read with ofxtools.

ofxtools parses a whole document at once, so the file is streamed past it in pieces: each `<STMTTRN>`
(one transaction) is cut out and parsed on its own, and what is left (sign-on, accounts, currencies,
balances: a few kilobytes) is parsed as one document to learn the statements. Memory stays flat whatever
the number of transactions. ofxtools tokenises with its own expressions and never expands entities; a
DTD or entity declaration is refused all the same.
"""

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO
from xml.sax.saxutils import unescape

from ofxtools.header import OFXHeaderError, OFXHeaderV1, OFXHeaderV2
from ofxtools.models.base import Aggregate
from ofxtools.Parser import ParseError, TreeBuilder

from banking.importers.base import (
    DESCRIPTION_MAX,
    MERCHANT_MAX,
    ImportFileError,
    Inspection,
    ParsedRow,
    RowProblem,
    Statement,
    clip,
    external_id,
    masked,
    read_text,
)

HEADER_BYTES = 4096
# One transaction is a few hundred bytes; a "transaction" far bigger than this is not one.
MAX_TRANSACTION = 64 * 1024
_KEEP = 16  # characters kept between chunks, so a tag cut in two is still found
_MARK = re.compile(r"<(STMTTRN|STMTRS|CCSTMTRS)>")
_END = re.compile(r"</STMTTRN>")
_XML_DECLARATION = re.compile(r"\s*<\?xml\b")
_DATE = re.compile(r"\s*(\d{4})(\d{2})(\d{2})")
_TYPES = {
    "CREDIT": "Credit",
    "DEBIT": "Debit",
    "INT": "Interest",
    "DIV": "Dividend",
    "FEE": "Bank fee",
    "SRVCHG": "Service charge",
    "DEP": "Deposit",
    "ATM": "Cash withdrawal",
    "POS": "Card payment",
    "XFER": "Transfer",
    "CHECK": "Check",
    "PAYMENT": "Payment",
    "CASH": "Cash withdrawal",
    "DIRECTDEP": "Direct deposit",
    "DIRECTDEBIT": "Direct debit",
    "REPEATPMT": "Standing order",
    "HOLD": "Hold",
    "OTHER": "Transaction",
}


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


def _header(source: BinaryIO) -> tuple[str, int]:
    """The codec of the message body and the byte where it starts; ImportFileError for a damaged header."""
    source.seek(0)
    # Latin-1 maps each byte to one character, so character offsets are byte offsets.
    head = source.read(HEADER_BYTES).decode("latin-1")
    start = len(head) - len(head.lstrip())
    try:
        if _XML_DECLARATION.match(head):
            header, end = OFXHeaderV2.parse(head)
            return "utf-8", end
        header, end = OFXHeaderV1.parse(head[start:])
        return header.codec, start + end
    except (OFXHeaderError, ValueError, KeyError) as error:
        raise ImportFileError(
            f"The OFX header is damaged ({_short(error) or 'fields missing'}): download the file from your bank again.",
            field="header",
        ) from None


def _pieces(source: BinaryIO) -> Iterator[tuple[int, str, bool]]:
    """(statement index, text, is a transaction) in file order: each `<STMTTRN>...</STMTTRN>` on its own,
    the text between them in pieces. Statement index -1 is before the first statement."""
    codec, start = _header(source)
    statement, buffer, inside = -1, "", False
    for text in read_text(source, codec, start=start):
        buffer += text
        while True:
            if inside:
                end = _END.search(buffer)
                if end is None:
                    if len(buffer) > MAX_TRANSACTION:
                        raise ImportFileError("A <STMTTRN> of this OFX file never ends: the file is damaged.")
                    break
                yield statement, buffer[: end.end()], True
                buffer, inside = buffer[end.end() :], False
                continue
            mark = _MARK.search(buffer)
            if mark is None:
                if len(buffer) > _KEEP:
                    yield statement, buffer[:-_KEEP], False
                    buffer = buffer[-_KEEP:]
                break
            if mark.group(1) == "STMTTRN":
                yield statement, buffer[: mark.start()], False
                buffer, inside = buffer[mark.start() :], True
            else:
                yield statement, buffer[: mark.end()], False
                statement += 1
                buffer = buffer[mark.end() :]
    if inside:
        raise ImportFileError("The file ends inside a transaction (<STMTTRN> without </STMTTRN>): it is cut short.")
    yield statement, buffer, False


def _parse(markup: str) -> Any:
    builder = TreeBuilder()
    builder.feed(markup)
    return Aggregate.from_etree(builder.close())


def inspect(source: BinaryIO) -> Inspection:
    """The statements in the file: each account's last digits, currency, dates and number of transactions."""
    skeleton: list[str] = []
    counts: dict[int, int] = {}
    for statement, text, is_transaction in _pieces(source):
        if is_transaction:
            counts[statement] = counts.get(statement, 0) + 1
        else:
            skeleton.append(text)
    document = "".join(skeleton)
    if "<!DOCTYPE" in document.upper() or "<!ENTITY" in document.upper():
        raise ImportFileError("This OFX file declares a document type or entities: it is refused for safety.")
    if "<INVSTMTRS>" in document:
        raise ImportFileError("This is an investment statement: only bank and card statements can be imported.")
    try:
        ofx = _parse(document)
        statements = list(ofx.statements)
    except (ParseError, ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise ImportFileError(f"This OFX file is damaged: {_short(error)}.") from None
    if not statements:
        raise ImportFileError("This OFX file holds no bank or card statement.")
    found = []
    for index, stmt in enumerate(statements):
        tranlist = stmt.banktranlist
        found.append(
            Statement(
                index=index,
                account=masked(getattr(stmt.account, "acctid", "") or ""),
                currency=(stmt.curdef or "").upper(),
                rows=counts.get(index, 0),
                start=tranlist.dtstart.date() if tranlist is not None and tranlist.dtstart else None,
                end=tranlist.dtend.date() if tranlist is not None and tranlist.dtend else None,
            )
        )
    return Inspection(format="ofx", statements=found)


def _raw_date(markup: str, tag: str) -> datetime.date | None:
    """The date as the bank wrote it (ofxtools moves times to UTC, which can change the day)."""
    found = re.search(rf"<{tag}>\s*([^<\s]+)", markup)
    if found is None:
        return None
    digits = _DATE.match(found.group(1))
    if digits is None:
        raise ValueError(f"{tag} {found.group(1)!r} is not a date (YYYYMMDD)")
    return datetime.date(*(int(part) for part in digits.groups()))


def _text(value: Any) -> str:
    return unescape(str(value), {"&quot;": '"', "&apos;": "'"}) if value else ""


def _row(number: int, markup: str) -> ParsedRow:
    trn = _parse(markup)
    posted = _raw_date(markup, "DTPOSTED")
    user_date = _raw_date(markup, "DTUSER")
    if posted is None:
        raise ValueError("it has no DTPOSTED (posting date)")
    name = _text(trn.name or (trn.payee.name if trn.payee is not None else ""))
    memo = _text(trn.memo)
    kind = _TYPES.get(trn.trntype or "", "Transaction")
    amount = Decimal(trn.trnamt)
    # A line in another currency than the statement's says so (CURRENCY or ORIGCURRENCY).
    other = trn.currency or trn.origcurrency
    return ParsedRow(
        row=number,
        transaction_date=user_date if user_date is not None and user_date <= posted else posted,
        posting_date=posted,
        amount=amount,
        description=clip(name or memo or kind, DESCRIPTION_MAX),
        merchant_name=clip(name, MERCHANT_MAX),
        external_id=external_id(trn.fitid or ""),
        currency=(other.cursym or "").upper() if other is not None else "",
    )


def rows(source: BinaryIO, *, statement: int = 0) -> Iterator[ParsedRow | RowProblem]:
    """The chosen statement's transactions (`inspect` tells which there are), numbered from 1 in file order."""
    number = 0
    for index, text, is_transaction in _pieces(source):
        if not is_transaction or index != statement:
            continue
        number += 1
        try:
            yield _row(number, text)
        except (ParseError, ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
            yield RowProblem(row=number, message=f"Transaction {number} cannot be read: {_short(error)}.")
