"""Which kind of bank file this is, read from its first bytes (never from its name)."""

import codecs
import re

from banking.importers.base import ImportFileError

HEAD_BYTES = 8 * 1024

# Files people pick by mistake: what they are, by their first bytes.
_NOT_BANK_FILES = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Excel workbook)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file"),
    (b"{\\rtf", "an RTF document"),
]
ASK_FOR = "Download your statement from your bank as OFX, QFX, QIF, CAMT.053 (XML) or CSV, and upload that."

CAMT053_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d{2}")
_DOCUMENT = re.compile(r"<(?:(\w+):)?Document\b([^>]*)>", re.S)


def text_encoding(head: bytes) -> tuple[str, int]:
    """The encoding a byte-order mark announces (or the UTF-16 a text without one shows), and the mark's
    length; ("", 0) when the bytes say nothing."""
    marks = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    for mark, name in marks:
        if head.startswith(mark):
            return name, len(mark)
    sample = head[:400]
    if len(sample) >= 4:
        # Text in UTF-16 without a mark: ASCII letters with a zero byte beside each.
        odd, even = sample[1::2], sample[0::2]
        if odd.count(0) > len(odd) * 0.6 and even.count(0) < len(even) * 0.1:
            return "utf-16-le", 0
        if even.count(0) > len(even) * 0.6 and odd.count(0) < len(odd) * 0.1:
            return "utf-16-be", 0
    return "", 0


def _preview(head: bytes) -> str:
    """The head as text, good enough to recognise a format (the readers decode properly)."""
    encoding, skip = text_encoding(head)
    if encoding.startswith("utf-16"):
        usable = head[skip:]
        usable = usable[: len(usable) // 2 * 2]
        return usable.decode(encoding, errors="replace")
    return head[skip:].decode("latin-1")


def detect_format(head: bytes) -> str:
    """ "ofx", "qif", "camt053" or "csv" for a file that starts with `head`; ImportFileError for anything else."""
    if not head.strip():
        raise ImportFileError("The file is empty. " + ASK_FOR)
    for magic, kind in _NOT_BANK_FILES:
        if head.startswith(magic):
            raise ImportFileError(f"This is {kind}, not a bank statement. {ASK_FOR}")
    text = _preview(head).lstrip()
    upper = text[:2000].upper()
    if upper.startswith("OFXHEADER") or "<OFX>" in upper or "<?OFX" in upper:
        return "ofx"
    if text.startswith("<?xml") or text.startswith("<"):
        if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
            raise ImportFileError(
                "This XML file declares a document type (DTD): bank statements never do, and it is refused "
                "for safety. " + ASK_FOR
            )
        namespace = document_namespace(text)
        if namespace is None:
            raise ImportFileError("This XML file is neither an OFX nor a CAMT.053 statement. " + ASK_FOR)
        if not CAMT053_NAMESPACE.fullmatch(namespace):
            raise ImportFileError(
                f"This XML file's namespace is {namespace[:120]!r}, not a CAMT.053 bank statement "
                "(urn:iso:std:iso:20022:tech:xsd:camt.053.001.xx). " + ASK_FOR,
                field="namespace",
            )
        return "camt053"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.upper().startswith(("!TYPE", "!ACCOUNT", "!OPTION", "!CLEAR")):
        return "qif"
    if not _looks_like_text(head):
        raise ImportFileError("This file is not text: it is not a bank statement. " + ASK_FOR)
    return "csv"


def document_namespace(text: str) -> str | None:
    """The namespace of an ISO 20022 `<Document>` root element ("" when it has none), or None without one."""
    match = _DOCUMENT.search(text)
    if match is None:
        return None
    prefix, attributes = match.group(1), match.group(2)
    name = f"xmlns:{prefix}" if prefix else "xmlns"
    declared = re.search(rf"""(?:^|\s){re.escape(name)}\s*=\s*["']([^"']*)["']""", attributes)
    return declared.group(1) if declared else ""


def _looks_like_text(head: bytes) -> bool:
    encoding, skip = text_encoding(head)
    if encoding.startswith("utf-16"):
        return True
    body = head[skip:]
    if b"\x00" in body:
        return False
    controls = sum(1 for byte in body if byte < 32 and byte not in (9, 10, 13))
    return controls <= len(body) * 0.01
