"""CAMT.053 (ISO 20022 bank-to-customer statement) files, streamed with defusedxml's iterparse.

Why not pycamt, the package for this: it parses the whole document into one tree (memory grows with the
file), gives a batch entry's full amount to each of its details when they carry none of their own (the
totals come out wrong), reads balances through float, and calls the servicer's reference the entry's.
Here each `<Ntry>` (one booking on the account, what its balance moves by) becomes one row and is dropped
as soon as it is read. defusedxml refuses any DTD, so entity expansion (billion laughs) and external
entities (XXE) never happen: such a file fails with a message saying so.
"""

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

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
)
from banking.importers.detect import CAMT053_NAMESPACE

_NAMESPACED = re.compile(r"^\{([^}]*)\}(.*)$")


def _local(tag: str) -> str:
    match = _NAMESPACED.match(tag)
    return match.group(2) if match else tag


def _child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along `path` (local names, namespace ignored)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _children(element: Element | None, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name] if element is not None else []


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _date(element: Element | None) -> datetime.date | None:
    """A `<BookgDt>`/`<ValDt>`: `<Dt>` or `<DtTm>`, as the bank wrote it."""
    text = _text(element, "Dt") or _text(element, "DtTm")[:10]
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"the date {text!r} is not a date (YYYY-MM-DD)") from None


def _events(source: BinaryIO) -> Iterator[tuple[str, Element]]:
    source.seek(0)
    try:
        yield from iterparse(source, events=("start", "end"), forbid_dtd=True)
    except DefusedXmlException:
        raise ImportFileError(
            "This XML file declares a document type or entities (DTD): bank statements never do, and such "
            "files can make a server expand or fetch data, so it is refused.",
            field="file",
        ) from None
    except ParseError as error:
        raise ImportFileError(f"This CAMT.053 file is not well-formed XML ({error}).") from None


def _entries(source: BinaryIO) -> Iterator[tuple[int, Element | None, Element | None]]:
    """(statement index, its `<Acct>` once read, an `<Ntry>` or None) in file order; each entry is removed
    from the tree after it is used, so memory stays flat."""
    statement, account = -1, None
    parents: list[Element] = []
    for event, element in _events(source):
        name = _local(element.tag)
        if event == "start":
            if not parents:
                namespace = _NAMESPACED.match(element.tag)
                found = namespace.group(1) if namespace else ""
                if name != "Document" or not CAMT053_NAMESPACE.fullmatch(found):
                    raise ImportFileError(
                        f"This XML file's namespace is {found[:120]!r}, not a CAMT.053 bank statement "
                        "(urn:iso:std:iso:20022:tech:xsd:camt.053.001.xx).",
                        field="namespace",
                    )
            if name == "Stmt":
                statement, account = statement + 1, None
            parents.append(element)
            continue
        parents.pop()
        if name == "Acct" and parents and _local(parents[-1].tag) == "Stmt":
            account = element
        elif name == "Ntry" and parents:
            yield statement, account, element
            parents[-1].remove(element)
        elif name == "Stmt":
            yield statement, account, None
            if parents:
                parents[-1].remove(element)


def _account_number(account: Element | None) -> str:
    return _text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id")


def inspect(source: BinaryIO) -> Inspection:
    """The statements: each account's last digits, currency and number of entries."""
    statements: dict[int, Statement] = {}
    for index, account, entry in _entries(source):
        if index < 0:
            continue
        found = statements.setdefault(index, Statement(index=index, account="", currency=""))
        found.account = masked(_account_number(account))
        found.currency = found.currency or _text(account, "Ccy").upper()
        if entry is None:
            continue
        found.rows += 1
        amount = _child(entry, "Amt")
        if not found.currency and amount is not None:
            found.currency = (amount.get("Ccy") or "").upper()
        try:
            day = _date(_child(entry, "BookgDt")) or _date(_child(entry, "ValDt"))
        except ValueError:
            day = None
        if day is not None:
            found.start = min(found.start or day, day)
            found.end = max(found.end or day, day)
    if not statements:
        raise ImportFileError("This CAMT.053 file holds no statement (<Stmt>).")
    return Inspection(format="camt053", statements=list(statements.values()))


def _party(details: Element | None, credit: bool) -> str:
    """Who paid (for money in) or was paid (for money out): the name as the bank gives it."""
    parties = _child(details, "RltdPties")
    role = "Dbtr" if credit else "Cdtr"
    return _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")


def _row(number: int, entry: Element) -> ParsedRow | RowProblem:
    amount_element = _child(entry, "Amt")
    try:
        amount = Decimal((amount_element.text or "").strip()) if amount_element is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        return RowProblem(row=number, message=f"Entry {number}: its amount (<Amt>) is missing or not a number.")
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        return RowProblem(row=number, message=f"Entry {number}: <CdtDbtInd> must be CRDT or DBIT.")
    credit = indicator == "CRDT"
    if _text(entry, "RvslInd").lower() == "true":  # a reversal moves money the other way
        credit = not credit
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    if status == "INFO":
        return RowProblem(row=number, message=f"Entry {number} is for information only (status INFO): not booked.")
    try:
        booked, value = _date(_child(entry, "BookgDt")), _date(_child(entry, "ValDt"))
    except ValueError as error:
        return RowProblem(row=number, message=f"Entry {number}: {error}.")
    posting = booked or value
    if posting is None:
        return RowProblem(row=number, message=f"Entry {number} has no booking or value date.")
    details = [tx for group in _children(entry, "NtryDtls") for tx in _children(group, "TxDtls")]
    single = details[0] if len(details) == 1 else None
    remittance = " ".join(
        (u.text or "").strip() for u in (_children(_child(single, "RmtInf"), "Ustrd") if single is not None else [])
    )
    party = _party(single, credit) if single is not None else ""
    description = remittance or _text(entry, "AddtlNtryInf") or _text(single, "AddtlTxInf") or party
    if not description and details:
        description = f"Batch of {len(details)} payments"
    reference = _text(entry, "NtryRef") or _text(entry, "AcctSvcrRef") or _text(single, "Refs", "AcctSvcrRef")
    return ParsedRow(
        row=number,
        transaction_date=min(value, posting) if value else posting,
        posting_date=posting,
        amount=abs(amount) if credit else -abs(amount),
        description=clip(description or ("Credit" if credit else "Debit"), DESCRIPTION_MAX),
        merchant_name=clip(party, MERCHANT_MAX),
        external_id=external_id(reference),
        currency=((amount_element.get("Ccy") if amount_element is not None else "") or "").upper(),
        pending=status == "PDNG",
    )


def rows(source: BinaryIO, *, statement: int = 0) -> Iterator[ParsedRow | RowProblem]:
    """The chosen statement's entries, numbered from 1 in file order."""
    number = 0
    for index, _account, entry in _entries(source):
        if entry is None or index != statement:
            continue
        number += 1
        yield _row(number, entry)
