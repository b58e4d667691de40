"""The development environment `make run` prepares: `.env` with fresh secrets, and the APP_URL it serves on.

`python bin/write_env.py` writes `.env` from `.env.example` with fresh secrets, unless `.env` exists.
`python bin/write_env.py --app-url http://HOST:PORT` prints the APP_URL to run with: the one set explicitly,
in the environment or in `.env`, else the address `make run` serves on (so `make run PORT=8123` links to 8123).
"""

import argparse
import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("SECRET_KEY", "BANK_DATA_ENCRYPTION_KEYS", "POLAR_WEBHOOK_SECRET")


def write_env(root: Path = ROOT) -> bool:
    """Write `root/.env` from `.env.example`, filling in fresh secrets; False when `.env` already exists."""
    target = root / ".env"
    if target.exists():
        return False
    generated = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "BANK_DATA_ENCRYPTION_KEYS": base64.b64encode(secrets.token_bytes(32)).decode(),
        "POLAR_WEBHOOK_SECRET": base64.b64encode(secrets.token_bytes(24)).decode(),
    }
    lines = []
    for line in (root / ".env.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and name in generated and not value:
            line = f"{name}={generated[name]}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)
    return True


def app_url(*, default: str, root: Path = ROOT, environment: dict[str, str] | None = None) -> str:
    """APP_URL as set in `environment` (the process's by default), else in `root/.env`, else `default`."""
    environment = dict(os.environ if environment is None else environment)
    if environment.get("APP_URL"):
        return environment["APP_URL"].rstrip("/")
    env_file = root / ".env"
    if env_file.is_file():
        from_file = read_env_file(env_file).get("APP_URL", "")
        if from_file:
            return from_file.rstrip("/")
    return default.rstrip("/")


def read_env_file(path: Path) -> dict[str, str]:
    """The variables an env file sets, parsed as saas/settings.py parses it (django-environ), leaving this
    process's environment alone."""
    import environ

    class FileOnly(environ.Env):
        ENVIRON: dict[str, str] = {}  # read_env writes here instead of os.environ

    FileOnly.read_env(str(path), overwrite=True)
    return dict(FileOnly.ENVIRON)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-url", metavar="DEFAULT", help="print the APP_URL to run with (DEFAULT when unset)")
    options = parser.parse_args(argv)
    if options.app_url is not None:
        print(app_url(default=options.app_url))
        return 0
    if write_env():
        print("Wrote .env with fresh " + ", ".join(GENERATED) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
