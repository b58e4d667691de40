"""JSON log lines with the current request id, for every logger (ours, Django's, gunicorn's).

`logging_config` is the one logging configuration: Django's `LOGGING` and gunicorn's `logconfig_dict`.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

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


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def logging_config(level: str) -> dict[str, Any]:
    """The `dictConfig` for LOG_LEVEL `level`: JSON lines on stdout, for Django's settings and gunicorn's."""
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"LOG_LEVEL is {level!r}: set it to one of {', '.join(LEVELS)}.")

    def at_least(floor: str) -> str:
        return max(level, floor, key=LEVELS.index)

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "saas.logging.RequestIdFilter"}},
        "formatters": {"json": {"()": "saas.logging.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request_id"],
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
