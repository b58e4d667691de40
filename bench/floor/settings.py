"""The floor: the least a Django view with one query can cost, under the site's own gunicorn config.

No apps, no middleware, no templates: one view that runs `SELECT 1` on the site's database over a persistent,
health-checked connection, as the site's own connections are. `make bench` runs it beside the site and
reports every scenario's ratio to it.
"""

import os

# The site's own database settings (persistent connections, their health checks, timeouts).
from saas.settings import DATABASES  # noqa: F401

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
USE_TZ = True
