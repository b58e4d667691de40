"""gunicorn settings: workers from WEB_CONCURRENCY, bind to $PORT, JSON logs, graceful shutdown."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Load the app once in the master so workers share its memory pages (copy-on-write).
preload_app = True
timeout = 30
graceful_timeout = 25
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django writes one JSON access line per request (saas.middleware); gunicorn's own would repeat it.
accesslog = None
errorlog = "-"
logconfig_dict = {
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
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}


def post_fork(server, worker):
    # Connections opened in the master during preload must not be shared across processes.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
