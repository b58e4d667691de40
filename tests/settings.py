"""The test suite's settings: saas.settings under a fixed test environment.

The environment is set here, before saas.settings reads it, so a developer's `.env` or shell never leaks
into the tests. DATABASE_URL and CACHE_URL pass through: the suite runs on SQLite and on PostgreSQL.
"""

import base64
import os

# An in-process cache that each test clears (rate-limit counters must not leak between tests);
# CACHE_URL=redis://... runs the suite against a shared cache instead.
os.environ.setdefault("CACHE_URL", "locmemcache://")
os.environ.update(
    {
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-django-checks-0123456789",
        "BANK_DATA_ENCRYPTION_KEYS": ",".join(base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2)),
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
        "APP_URL": "http://testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "POLAR_ACCESS_TOKEN": "",
        "POLAR_WEBHOOK_SECRET": "",
        "POLAR_API_URL": "",
        "GOOGLE_CLIENT_ID": "",
        "GOOGLE_CLIENT_SECRET": "",
        "ADMIN_URL": "admin/",
        "FREE_MAX_BANK_ACCOUNTS": "1",
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        "TRUSTED_PROXY_COUNT": "0",
    }
)

from saas.settings import *  # noqa: F403

# Hashed static names need `collectstatic`; the suite serves files straight from the finders instead
# (the CI's gunicorn smoke run covers the manifest).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Argon2 is deliberately slow; the suite creates many users. tests/test_settings.py pins the real order.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tasks run at once, in the caller, unless a test switches to the real queue (tests/tasks_support.py);
# TASKS_URL=redis://... makes that real queue RQ on Redis instead of the database.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
