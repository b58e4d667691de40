# `make run` serves the site; `make test` runs the suite. Both create .venv with a Python 3.12+.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python 3.12 or newer found: $PYTHON, then python3.x on PATH, then pyenv's versions.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address to browse: a server bound to every interface answers on loopback.
SERVE_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))

.PHONY: help run serve test test-fast lint types format check messages bench clean

help:
	@echo "make run    serve the site on http://$(HOST):$(PORT) with a task worker and a demo user (development)"
	@echo "make test   run the whole test suite (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make serve  serve with gunicorn as production does"
	@echo "make bench  benchmark under gunicorn and PostgreSQL (see bench/README.md)"
	@echo "make lint   ruff"
	@echo "make types  mypy with the Django plugin (saas, accounts, billing, banking)"

$(VENV)/.python:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is required; set PYTHON=/path/to/python3.12" >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: requirements.txt $(VENV)/.python
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

.env:
	$(PY) bin/write_env.py

# APP_URL (links in e-mails, Polar's redirects) follows HOST and PORT unless it is set in the environment or
# in .env; DEMO_SIGN_IN carries seed_demo's sign-in line to bin/dev_ready.py, which prints it once the server is up.
run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	@set -o pipefail && \
	APP_URL="$$($(PY) bin/write_env.py --app-url http://$(SERVE_HOST):$(PORT))" && export APP_URL && \
	DEMO_SIGN_IN="$$($(PY) manage.py seed_demo | tee /dev/stderr | grep '^Demo sign-in:')" && export DEMO_SIGN_IN && \
	echo "Serving $$APP_URL and running a task worker (Procfile.dev); Ctrl-C stops both." && \
	HOST=$(HOST) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --env /dev/null --procfile Procfile.dev \
		start --port $(PORT)

serve: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(VENV)/bin/gunicorn saas.wsgi --config gunicorn.conf.py

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(VENV)/.installed-dev
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# allauth's words in ours (accounts/locale): compile the catalog after editing it (needs GNU gettext's msgfmt).
messages:
	msgfmt --check -o accounts/locale/en/LC_MESSAGES/django.mo accounts/locale/en/LC_MESSAGES/django.po

bench: $(VENV)/.installed-dev
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
