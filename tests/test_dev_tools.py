"""What `make run` gives a developer: APP_URL on the port it serves, readable logs, the demo sign-in once up."""

import importlib.util
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from saas.logging import QuietPathsFilter, TextFormatter, logging_config

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bin" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


write_env = _load("write_env")
dev_ready = _load("dev_ready")


@pytest.fixture
def clone(tmp_path) -> Path:
    """A fresh clone's root: `.env.example` and no `.env`."""
    (tmp_path / ".env.example").write_text((ROOT / ".env.example").read_text())
    return tmp_path


def test_the_written_env_file_leaves_app_url_to_make_run(clone):
    assert write_env.write_env(clone) is True

    written = write_env.read_env_file(clone / ".env")
    assert "APP_URL" not in written
    assert written["SECRET_KEY"] and written["BANK_DATA_ENCRYPTION_KEYS"]
    assert write_env.app_url(default="http://127.0.0.1:8123", root=clone, environment={}) == "http://127.0.0.1:8123"


def test_an_app_url_the_user_put_in_env_wins_over_the_port(clone):
    write_env.write_env(clone)
    with (clone / ".env").open("a") as env_file:
        env_file.write('APP_URL="https://ledgerly.example.com/"\n')

    assert write_env.app_url(default="http://127.0.0.1:8123", root=clone, environment={}) == (
        "https://ledgerly.example.com"
    )


def test_an_app_url_in_the_environment_wins_over_env(clone):
    write_env.write_env(clone)
    (clone / ".env").write_text("APP_URL=https://from-the-file.example\n")

    url = write_env.app_url(default="http://127.0.0.1:8123", root=clone, environment={"APP_URL": "https://env.example"})

    assert url == "https://env.example"


def test_reading_env_leaves_the_process_environment_alone(clone):
    (clone / ".env").write_text("APP_URL=https://from-the-file.example\nSOMETHING_ELSE=1\n")

    write_env.read_env_file(clone / ".env")

    assert "SOMETHING_ELSE" not in os.environ


@pytest.mark.parametrize(("host", "browsed"), [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1")])
def test_make_run_derives_app_url_from_host_and_port(host, browsed):
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123", f"HOST={host}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "APP_URL": ""},
    )

    assert result.returncode == 0, result.stderr
    assert f"bin/write_env.py --app-url http://{browsed}:8123" in result.stdout
    assert "start --port 8123" in result.stdout


def test_procfile_dev_prints_the_demo_sign_in_once_the_server_is_up():
    web = next(line for line in (ROOT / "Procfile.dev").read_text().splitlines() if line.startswith("web:"))

    assert "python bin/dev_ready.py &" in web
    assert "manage.py runserver" in web


def test_dev_ready_prints_the_address_and_the_sign_in_once_the_port_answers():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        env = {
            "PATH": os.environ["PATH"],
            "HOST": "0.0.0.0",
            "PORT": str(port),
            "APP_URL": f"http://127.0.0.1:{port}",
            "DEMO_SIGN_IN": "Demo sign-in: demo@example.com / ledgerly-demo-2025",
        }
        result = subprocess.run(
            [sys.executable, str(ROOT / "bin" / "dev_ready.py")], env=env, capture_output=True, text=True, timeout=30
        )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Ledgerly is up: http://127.0.0.1:{port}/",
        f"Demo sign-in: demo@example.com / ledgerly-demo-2025  (sign in at http://127.0.0.1:{port}/sign-in)",
    ]


def test_dev_ready_gives_up_quietly_when_nothing_answers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    assert dev_ready.wait_for_server("127.0.0.1", port, timeout=0.5) is False


# --- Development logs ----------------------------------------------------------------------------------


def record(name: str, message: str, level=logging.INFO, **extra) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_a_text_access_line_reads_as_a_sentence():
    line = TextFormatter().format(
        record("saas.access", "GET /dashboard/ 200", method="GET", path="/dashboard/", status=200, duration_ms=12.3)
    )

    assert line == "GET /dashboard/ 200 in 12.3 ms"


def test_a_text_line_shows_level_logger_message_and_extras_on_one_line():
    line = TextFormatter().format(
        record("billing.services", "Polar webhook failed", logging.WARNING, webhook_id="msg_1", user_id="u1")
    )

    assert line == "WARNING billing.services: Polar webhook failed  (webhook_id=msg_1, user_id=u1)"


def test_static_files_are_left_out_of_the_access_log():
    quiet = QuietPathsFilter(("/static/",))

    assert quiet.filter(record("saas.access", "GET", path="/static/css/app.css")) is False
    assert quiet.filter(record("saas.access", "GET", path="/dashboard/")) is True
    assert quiet.filter(record("billing.services", "x", path="/static/x")) is True


def test_an_unknown_log_format_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match="LOG_FORMAT is 'xml': set it to json or text."):
        logging_config("INFO", fmt="xml")


SETTINGS_LOGGING = """
import json
from saas import settings
handler = settings.LOGGING["handlers"]["stdout"]
print(json.dumps({"format": settings.LOG_FORMAT, "formatter": handler["formatter"], "filters": handler["filters"],
                  "quiet": settings.LOGGING["filters"].get("quiet_paths", {}).get("paths")}))
"""


def settings_logging(**env) -> dict:
    import json

    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    full_env = {
        **keep,
        "ENV_FILE": "",
        "SECRET_KEY": "x" * 50,
        "BANK_DATA_ENCRYPTION_KEYS": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_LOGGING], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_logs_are_text_without_static_files():
    assert settings_logging(DEBUG="true") == {
        "format": "text",
        "formatter": "text",
        "filters": ["request_id", "redact_keys", "quiet_paths"],
        "quiet": ["/static/", "/favicon.ico"],
    }


def test_production_logs_stay_json_lines():
    assert settings_logging(DEBUG="false")["formatter"] == "json"


def test_log_format_can_be_chosen_explicitly():
    assert settings_logging(DEBUG="true", LOG_FORMAT="json")["formatter"] == "json"
