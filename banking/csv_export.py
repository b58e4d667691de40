"""The history as CSV: the rows a filter keeps, one line each, written as they are read.

Amounts are signed decimals in the currency's minor unit (JPY 1250, USD -12.50, KWD 3.125), so the file reads
back through the import's CSV mapping (`{"date": "Transaction date", "amount": "Amount", "description":
"Description", "merchant_name": "Merchant", "category": "Category"}`) as the same transactions. Text cells a
spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) get a leading
apostrophe; the numbers and dates we write ourselves never need one. Accounts appear as their name and last
four characters, never their number.
"""

import csv
from collections.abc import Iterable, Iterator

from banking.models import BankAccount, Transaction
from banking.money import to_decimal_string

HEADER = (
    "Transaction date",
    "Posting date",
    "Description",
    "Merchant",
    "Category",
    "Amount",
    "Currency",
    "Type",
    "Status",
    "Account",
    "Reference",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINES_PER_WRITE = 500


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text: one that would start a formula gets an apostrophe in front."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_row(txn: Transaction, account: BankAccount) -> list[str]:
    return [
        txn.transaction_date.isoformat(),
        txn.posting_date.isoformat() if txn.posting_date else "",
        neutralise(txn.description),
        neutralise(txn.merchant_name),
        neutralise(txn.category),
        to_decimal_string(txn.signed_amount, txn.currency),
        txn.currency,
        txn.type,
        txn.status,
        neutralise(account.label),
        neutralise(txn.external_id),
    ]


class _Line:
    """What csv.writer writes to: it hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def transactions_csv(rows: Iterable[Transaction], accounts: Iterable[BankAccount]) -> Iterator[str]:
    """The header, then one line per transaction, handed out a few hundred lines at a time."""
    by_id = {a.pk: a for a in accounts}
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow(HEADER)
    lines: list[str] = []
    for txn in rows:
        lines.append(writer.writerow(csv_row(txn, by_id[txn.bank_account_id])))
        if len(lines) >= LINES_PER_WRITE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
