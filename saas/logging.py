"""Log lines with the current request id, for every logger (ours, Django's, gunicorn's).

`logging_config` is the one logging configuration: Django's `LOGGING` and gunicorn's `logconfig_dict`. Lines
are JSON (production: what log collectors parse) or, for a person at a terminal (`make run`), one readable
line each (LOG_FORMAT=text, the default when DEBUG is on).
"""

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from saas.redaction import redact_path

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else passed through `extra=` becomes a JSON field.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime", "request_id"}
)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class RedactKeysFilter(logging.Filter):
    """Every line leaves out the one-time keys some paths carry (saas.redaction), whichever logger wrote it:
    Django's CSRF failures and 500s name the path in their message and pass the request along."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS_LOGGER:
            return True  # its path is redacted where it is written
        message = record.getMessage()
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            path = getattr(request, "path", "")
            record.request = f"{getattr(request, 'method', '')} {redact_path(path)}".strip()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: level, message, timestamp, logger, request_id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "message": record.getMessage(),
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# The access log (saas.middleware): one line per request.
ACCESS_LOGGER = "saas.access"
# Shown in a text access line's own words ("GET /path 200 in 3.1 ms"), so not again as extras.
_ACCESS_FIELDS = frozenset({"method", "path", "status", "duration_ms", "user_id"})


class TextFormatter(logging.Formatter):
    """One readable line: `GET /dashboard/ 200 in 12.3 ms`, or level, logger, message and extras; a traceback
    follows on its own lines. For development: honcho (`make run`) puts the time and the process in front."""

    def format(self, record: logging.LogRecord) -> str:
        access = record.name == ACCESS_LOGGER
        if access:
            line = f"{record.getMessage()} in {getattr(record, 'duration_ms', '?')} ms"
        else:
            line = f"{record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRS and not key.startswith("_") and not (access and key in _ACCESS_FIELDS)
        ]
        if extras:
            line += f"  ({', '.join(extras)})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class QuietPathsFilter(logging.Filter):
    """Drops access lines for paths under `paths` (static files in development: dozens per page)."""

    def __init__(self, paths: tuple[str, ...] = ()):
        super().__init__()
        self.paths = tuple(paths)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.paths or record.name != ACCESS_LOGGER:
            return True
        return not str(getattr(record, "path", "")).startswith(self.paths)


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("json", "text")


def logging_config(level: str, *, fmt: str = "json", quiet_paths: tuple[str, ...] = ()) -> dict[str, Any]:
    """The `dictConfig` for LOG_LEVEL `level`: lines on stdout, for Django's settings and gunicorn's.

    `fmt` is LOG_FORMAT: `json` lines, or `text` lines for a person; access lines for `quiet_paths` are left out.
    """
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"LOG_LEVEL is {level!r}: set it to one of {', '.join(LEVELS)}.")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT is {fmt!r}: set it to json or text.")

    def at_least(floor: str) -> str:
        return max(level, floor, key=LEVELS.index)

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "saas.logging.RequestIdFilter"},
            "redact_keys": {"()": "saas.logging.RedactKeysFilter"},
            **(
                {"quiet_paths": {"()": "saas.logging.QuietPathsFilter", "paths": tuple(quiet_paths)}}
                if quiet_paths
                else {}
            ),
        },
        "formatters": {fmt: {"()": f"saas.logging.{'Json' if fmt == 'json' else 'Text'}Formatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": fmt,
                "filters": ["request_id", "redact_keys", *(["quiet_paths"] if quiet_paths else [])],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # No handler of its own: Django's default console handler would print a second, non-JSON copy.
            # Its DEBUG lines (template variables, autoreload) are noise even at DEBUG.
            "django": {"handlers": [], "level": at_least("INFO"), "propagate": True},
            # Our access log line replaces these; they would log every 4xx twice.
            "django.request": {"level": at_least("ERROR"), "propagate": True},
            "django.server": {"level": at_least("ERROR"), "propagate": True},
            "django.db.backends": {"level": at_least("INFO")},
            # saas.tasks writes the one line per task run; the framework's own lines (with a traceback for
            # every retried attempt) would repeat it.
            "django.tasks": {"level": at_least("WARNING"), "propagate": True},
            "django_tasks": {"level": at_least("WARNING"), "propagate": True},
            # gunicorn's own (its master and workers): JSON on stdout like the rest.
            "gunicorn.error": {"handlers": ["stdout"], "level": level, "propagate": False},
            # Django writes one access line per request (saas.middleware); gunicorn's would repeat it.
            "gunicorn.access": {"handlers": ["stdout"], "level": at_least("WARNING"), "propagate": False},
        },
    }
