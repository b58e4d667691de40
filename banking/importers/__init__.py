"""Bank-file readers, one module per format, and what they share (banking.importers.base).

Each format module has `inspect(source, ...) -> Inspection` (what the file holds, cheaply) and
`rows(source, ...)`, which yields `ParsedRow` or `RowProblem` one at a time. `detect_format` tells the
format from the first bytes. The services (banking.services.imports) turn rows into transactions.
"""

from banking.importers.base import ImportFileError, Inspection, ParsedRow, RowProblem, Statement
from banking.importers.detect import HEAD_BYTES, detect_format

FORMATS = ("csv", "ofx", "qif", "camt053")

__all__ = [
    "FORMATS",
    "HEAD_BYTES",
    "ImportFileError",
    "Inspection",
    "ParsedRow",
    "RowProblem",
    "Statement",
    "detect_format",
]
