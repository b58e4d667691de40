"""One logging configuration (saas.logging.logging_config) for Django's settings and gunicorn, at LOG_LEVEL."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from saas.logging import logging_config

ROOT = Path(__file__).resolve().parent.parent

# gunicorn as `gunicorn --config gunicorn.conf.py` sets up its logger, then a few lines from each side.
GUNICORN = """
import logging, runpy
from gunicorn.config import Config
from gunicorn.glogging import Logger

config = Config()
for name, value in runpy.run_path("gunicorn.conf.py").items():
    if name in config.settings:
        config.set(name, value)
log = Logger(config)
log.info("gunicorn info")
log.warning("gunicorn warning")
logging.getLogger("gunicorn.access").info("gunicorn access line")
logging.getLogger("billing.services").info("app info")
logging.getLogger("billing.services").warning("app warning")
logging.getLogger("django.request").warning("Not Found: /nowhere")
"""


def gunicorn_lines(log_level: str) -> list[dict]:
    keep = {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}
    env = {**{k: v for k, v in os.environ.items() if k in keep}, "ENV_FILE": "", "LOG_LEVEL": log_level}
    result = subprocess.run(
        [sys.executable, "-c", GUNICORN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_gunicorn_at_warning_drops_info_lines():
    lines = gunicorn_lines("WARNING")

    assert [(line["logger"], line["message"]) for line in lines] == [
        ("gunicorn.error", "gunicorn warning"),
        ("billing.services", "app warning"),
    ]


def test_gunicorn_at_info_writes_its_own_lines_as_json_but_no_access_lines():
    lines = gunicorn_lines("info")

    assert [line["message"] for line in lines] == ["gunicorn info", "gunicorn warning", "app info", "app warning"]
    assert {"level", "message", "timestamp", "logger", "request_id"} <= set(lines[0])


def test_settings_and_gunicorn_use_the_same_configuration(monkeypatch):
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("LOG_LEVEL", settings.LOG_LEVEL)

    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert gunicorn["logconfig_dict"] == settings.LOGGING == logging_config(settings.LOG_LEVEL)
    assert gunicorn["loglevel"] == settings.LOG_LEVEL.lower()


def test_gunicorn_follows_log_format(monkeypatch):
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("LOG_FORMAT", "text")

    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert gunicorn["logconfig_dict"] == logging_config(gunicorn["LOG_LEVEL"], fmt="text")


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("DEBUG", {"": "DEBUG", "django": "INFO", "django.request": "ERROR", "gunicorn.access": "WARNING"}),
        ("WARNING", {"": "WARNING", "django": "WARNING", "django.request": "ERROR", "gunicorn.access": "WARNING"}),
        ("CRITICAL", {"": "CRITICAL", "django": "CRITICAL", "django.request": "CRITICAL"}),
    ],
)
def test_quieter_loggers_stay_at_least_as_quiet_as_log_level(level, expected):
    config = logging_config(level)
    levels = {"": config["root"]["level"], **{name: logger["level"] for name, logger in config["loggers"].items()}}

    assert {name: levels[name] for name in expected} == expected


def test_an_unknown_log_level_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match="LOG_LEVEL is 'LOUD': set it to one of DEBUG, INFO, WARNING"):
        logging_config("loud")
