"""gunicorn settings: workers from WEB_CONCURRENCY, bind to $PORT, JSON logs at LOG_LEVEL, graceful shutdown."""

import multiprocessing
import os
from pathlib import Path

import environ

from saas.logging import logging_config

# LOG_LEVEL as saas/settings.py reads it: the environment wins over `.env` (ENV_FILE="" skips the file).
ENV_FILE = os.environ.get("ENV_FILE", str(Path(__file__).resolve().parent / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# LOG_FORMAT too, with the same default (readable text in development, JSON in production).
LOG_FORMAT = environ.Env().str("LOG_FORMAT", default="text" if environ.Env().bool("DEBUG", default=False) else "json")

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
loglevel = LOG_LEVEL.lower()
# The same configuration as Django's LOGGING, gunicorn's own loggers included.
logconfig_dict = logging_config(LOG_LEVEL, fmt=LOG_FORMAT)


def post_fork(server, worker):
    # Connections opened in the master during preload must not be shared across processes.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
