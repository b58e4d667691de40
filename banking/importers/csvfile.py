"""CSV exports, whatever the bank: any delimiter, quoting, encoding and header row, sniffed from the content.

`inspect` works out how the file is written (encoding, delimiter, where the table starts, its columns)
from its first lines and shows a sample; `rows` then reads it line by line with a confirmed mapping of
columns (banking.importers.mapping).
"""

import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from banking.importers.base import (
    DESCRIPTION_MAX,
    MERCHANT_MAX,
    ImportFileError,
    Inspection,
    ParsedRow,
    RowProblem,
    clip,
    external_id,
    lines,
)
from banking.importers.dates import date_label, parse_date
from banking.importers.detect import text_encoding
from banking.importers.mapping import guess_mapping
from banking.importers.numbers import AmountError, parse_amount_text

DELIMITERS = [",", ";", "\t", "|"]
SAMPLE_LINES = 200
SHOWN_ROWS = 8
# A bank export's cells are short: a bigger one means this is not a statement (and csv refuses > 128 KiB).
csv.field_size_limit(64 * 1024)


def encoding_of(source: BinaryIO) -> tuple[str, int]:
    """The file's encoding and the length of its byte-order mark: a mark's, else UTF-8 when every byte of the
    file is valid UTF-8, else Windows-1252, else Latin-1 (which any bytes are)."""
    source.seek(0)
    found, skip = text_encoding(source.read(4096))
    if found:
        return found, skip
    for candidate in ("utf-8", "cp1252"):
        try:
            for _ in lines(source, candidate):
                pass
        except ImportFileError:
            continue
        return candidate, 0
    return "latin-1", 0


def _reader(source: BinaryIO, encoding: str, start: int, delimiter: str):
    return csv.reader(lines(source, encoding, start=start, keepends=True), delimiter=delimiter, quotechar='"')


def _consistency(records: list[list[str]]) -> tuple[float, int, int]:
    """(share of records after the table starts that have its width, the width, where the table starts)."""
    widths = [len(r) for r in records if any(cell.strip() for cell in r)]
    if not widths:
        return 0.0, 0, 0
    width, _ = Counter(w for w in widths if w > 1).most_common(1)[0] if any(w > 1 for w in widths) else (1, 0)
    start = next(i for i, r in enumerate(records) if len(r) == width)
    rest = [r for r in records[start:] if any(cell.strip() for cell in r)]
    return sum(1 for r in rest if len(r) == width) / len(rest), width, start


def _sample_records(source: BinaryIO, encoding: str, skip: int, delimiter: str) -> list[list[str]]:
    try:
        return list(itertools.islice(_reader(source, encoding, skip, delimiter), SAMPLE_LINES))
    except csv.Error as error:
        raise ImportFileError(f"This CSV file cannot be read: {error}.") from None


def _delimiter(source: BinaryIO, encoding: str, skip: int) -> str:
    """The delimiter that splits the sample into the most consistent table (csv.Sniffer's pick first)."""
    text = "".join(itertools.islice(lines(source, encoding, start=skip, keepends=True), SAMPLE_LINES))
    try:
        sniffed = csv.Sniffer().sniff(text, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    ranked = []
    for delimiter in sorted(DELIMITERS, key=lambda d: d != sniffed):
        share, width, _ = _consistency(list(csv.reader(io.StringIO(text), delimiter=delimiter)))
        ranked.append((width > 1 and share >= 0.8, share, width, delimiter == sniffed, delimiter))
    best = max(ranked, key=lambda r: r[:4])
    if not best[0]:
        raise ImportFileError(
            "This CSV file has no table of columns: no delimiter (comma, semicolon, tab or |) splits its lines "
            "into the same number of columns."
        )
    return best[4]


def _is_data(cell: str) -> bool:
    """A cell that holds a date or an amount (so the row it is in is data, not a header)."""
    text = cell.strip()
    if not text:
        return False
    if parse_date(text) is not None:
        return True
    try:
        parse_amount_text(text)
    except AmountError:
        return False
    return True


def _column_names(header: list[str], width: int) -> list[str]:
    names: list[str] = []
    seen: Counter[str] = Counter()
    for number in range(width):
        name = clip(header[number], 60) if number < len(header) else ""
        name = name or f"Column {number + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def inspect(source: BinaryIO, *, currency: str = "") -> Inspection:
    """How the file is written, its columns, a sample of its rows, and a guessed mapping for `currency`."""
    encoding, skip = encoding_of(source)
    delimiter = _delimiter(source, encoding, skip)
    records = _sample_records(source, encoding, skip, delimiter)
    _, width, start = _consistency(records)
    first = records[start]
    has_header = not any(_is_data(cell) for cell in first)
    # Some banks write one field fewer in the header than in each row (a trailing delimiter on the rows).
    before = records[start - 1] if start else []
    if not has_header and len(before) == width - 1 > 1 and not any(_is_data(cell) for cell in before):
        start, first, has_header = start - 1, before, True
    columns = _column_names(first if has_header else [], width)
    data = [r for r in records[start + (1 if has_header else 0) :] if any(cell.strip() for cell in r)]
    inspection = Inspection(
        format="csv",
        encoding=encoding,
        bom=skip,
        delimiter=delimiter,
        header_row=start + 1 if has_header else 0,
        data_start=start + 1 if has_header else start,
        columns=columns,
        sample=[[clip(cell, 80) for cell in r[:width]] for r in data[:SHOWN_ROWS]],
    )
    if not data:
        raise ImportFileError("This CSV file has a header but no rows of transactions.")
    inspection.guessed = guess_mapping(columns, data[:SAMPLE_LINES], currency=currency)
    return inspection


def _cell(record: list[str], columns: list[str], name: str | None) -> str:
    if not name:
        return ""
    index = columns.index(name)
    return record[index].strip() if index < len(record) else ""


def _amount(record: list[str], columns: list[str], mapping: dict) -> tuple[Decimal | None, str]:
    """The signed amount of a record, or None and what is wrong."""
    separator = mapping.get("decimal_separator") or "."
    try:
        if mapping.get("amount"):
            value = parse_amount_text(_cell(record, columns, mapping["amount"]), decimal_separator=separator)
        else:
            debit = _cell(record, columns, mapping.get("debit"))
            credit = _cell(record, columns, mapping.get("credit"))
            if not debit and not credit:
                return None, "it has no amount (both the debit and the credit column are empty)."
            paid_out = abs(parse_amount_text(debit, decimal_separator=separator)) if debit else Decimal(0)
            paid_in = abs(parse_amount_text(credit, decimal_separator=separator)) if credit else Decimal(0)
            value = paid_in - paid_out
    except AmountError as error:
        return None, str(error)
    return (-value if mapping.get("negate") else value), ""


def _row(number: int, record: list[str], columns: list[str], mapping: dict) -> ParsedRow | RowProblem:
    where = f"Row {number}"
    date_text = _cell(record, columns, mapping["date"])
    day = parse_date(date_text, mapping.get("date_format") or None)
    if day is None:
        shown = f"{date_text!r}" if date_text else "empty"
        expected = date_label(mapping.get("date_format") or "")
        return RowProblem(row=number, message=f"{where}: the date is {shown}, not a date written as {expected}.")
    value, problem = _amount(record, columns, mapping)
    if value is None:
        return RowProblem(row=number, message=f"{where}: {problem}")
    merchant = clip(_cell(record, columns, mapping.get("merchant_name")), MERCHANT_MAX)
    description = clip(_cell(record, columns, mapping.get("description")), DESCRIPTION_MAX) or merchant
    if not description:
        return RowProblem(row=number, message=f"{where}: it has no description (column {mapping['description']!r}).")
    return ParsedRow(
        row=number,
        transaction_date=day,
        amount=value,
        description=description,
        merchant_name=merchant,
        external_id=external_id(_cell(record, columns, mapping.get("external_id"))),
        category=_cell(record, columns, mapping.get("category")),
    )


def rows(source: BinaryIO, *, inspection: dict, mapping: dict) -> Iterator[ParsedRow | RowProblem]:
    """The table's rows (after the header, if any), each numbered by the line of the file it starts on."""
    columns, width = inspection["columns"], len(inspection["columns"])
    reader = _reader(source, inspection["encoding"], inspection["bom"], inspection["delimiter"])
    previous_line = 0
    try:
        for index, record in enumerate(reader):
            number, previous_line = previous_line + 1, reader.line_num
            if index < inspection["data_start"] or not any(cell.strip() for cell in record):
                continue
            if len(record) < width and not _cell(record, columns, mapping["date"]):
                continue  # a line outside the table ("Closing balance;1.234,56")
            yield _row(number, record, columns, mapping)
    except csv.Error as error:
        raise ImportFileError(f"This CSV file cannot be read after line {reader.line_num}: {error}.") from None
