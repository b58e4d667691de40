"""The floor: the least a Django view with one query can cost, under the site's own gunicorn config.

No apps, no middleware, no templates: one view that runs `SELECT 1` on the site's database over a persistent,
health-checked connection, as the site's own connections are. `make bench` runs it beside the site and
reports every scenario's ratio to it.
"""

import os

import environ

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES = {"default": environ.Env().db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USE_TZ = True
