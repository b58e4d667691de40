"""Dates as bank exports write them: the formats tried, how to name them for people, and which one a column
uses."""

import datetime
import re

# strptime formats, most specific first; month-first and day-first orders are told apart by the data.
DATE_FORMATS = [
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d.%m.%y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%m-%y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%y",
    "%Y%m%d",
]
# Where the month comes first, people in these currencies' countries write dates month-first.
MONTH_FIRST_CURRENCIES = frozenset({"USD", "PHP"})
_LABELS = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%b": "Mon", "%B": "Month"}
_DIRECTIVE = re.compile(r"%.")
ALLOWED_DIRECTIVES = frozenset(_LABELS)


def date_label(fmt: str) -> str:
    """A format as people read it: "%d/%m/%Y" is "DD/MM/YYYY"."""
    if not fmt:
        return "a date such as 2025-03-31"
    return _DIRECTIVE.sub(lambda m: _LABELS.get(m.group(0), m.group(0)), fmt)


def format_problem(fmt: str) -> str:
    """Why `fmt` cannot be a date format of a mapping, or ""."""
    directives = set(_DIRECTIVE.findall(fmt))
    unknown = directives - ALLOWED_DIRECTIVES
    if unknown:
        return f"Use only {', '.join(sorted(ALLOWED_DIRECTIVES))} in the date format, not {', '.join(sorted(unknown))}."
    if not ({"%Y", "%y"} & directives and {"%m", "%b", "%B"} & directives and "%d" in directives):
        return "The date format needs a day (%d), a month (%m or %b) and a year (%Y or %y), e.g. %d/%m/%Y."
    return ""


def _strptime(text: str, fmt: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def parse_date(text: str, fmt: str | None = None) -> datetime.date | None:
    """`text` as a date in `fmt`, or in the first known format it fits; None if it is not one. A time after
    the date ("2025-03-31 14:02", "2025-03-31T14:02:00") is ignored."""
    text = (text or "").strip()
    if not text or len(text) > 40:
        return None
    candidates = [text]
    head = re.split(r"[T ](?=\d{1,2}:\d{2})", text, maxsplit=1)[0]
    if head != text:
        candidates.append(head.strip())
    for candidate in candidates:
        for option in [fmt] if fmt else DATE_FORMATS:
            day = _strptime(candidate, option)
            if day is not None:
                return day
    return None


def guess_date_format(values: list[str], *, currency: str = "") -> str | None:
    """The format every one of `values` is written in; when both month-first and day-first fit, the one the
    account's currency suggests."""
    present = [v.strip() for v in values if v and v.strip()]
    if not present:
        return None
    fitting = [fmt for fmt in DATE_FORMATS if all(parse_date(v, fmt) is not None for v in present)]
    if not fitting:
        return None
    month_first = currency in MONTH_FIRST_CURRENCIES
    for fmt in fitting:
        is_month_first = fmt.startswith(("%m", "%b", "%B"))
        counterpart = fmt.replace("%d", "%X").replace("%m", "%d").replace("%X", "%m")
        if counterpart in fitting and is_month_first != month_first:
            continue
        return fmt
    return fitting[0]
