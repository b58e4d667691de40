"""Tasks that exist only for the tests of the task machinery (importable by a worker subprocess too)."""

import time
from pathlib import Path

from django.core.cache import cache

from saas.background import PermanentTaskError, background_task

given_up: list[tuple[dict, str]] = []


def _remember_give_up(arguments: dict, error: BaseException) -> None:
    given_up.append((arguments, type(error).__name__))


@background_task(max_attempts=3, backoff=10, on_give_up=_remember_give_up)
def flaky(key: str, failures: int) -> int:
    """Fails its first `failures` runs, then succeeds; returns how many runs it took."""
    runs = cache.get_or_set(key, 0)
    cache.set(key, runs + 1)
    if runs < failures:
        raise ConnectionError(f"run {runs + 1} of {key} failed")
    return runs + 1


@background_task(max_attempts=5)
def refuses(reason: str) -> None:
    raise PermanentTaskError(reason)


@background_task
def add(a: int, b: int, note: str | None = None) -> int:
    return a + b


@background_task(max_attempts=3, backoff=1)
def append_line(path: str, line: str, hold_seconds: float = 0.0) -> str:
    """Idempotently adds `line` to the file at `path`; its first run holds `hold_seconds` first (a slow task).

    `<path>.started` appears when a run starts, so a test knows the task is in flight.
    """
    target = Path(path)
    marker = Path(f"{path}.started")
    first_run = not marker.exists()
    marker.write_text(line)
    if first_run:
        time.sleep(hold_seconds)
    lines = target.read_text().splitlines() if target.exists() else []
    if line not in lines:
        with target.open("a") as handle:
            handle.write(line + "\n")
    return line


@background_task
def record_run(path: str, key: str, hold_seconds: float = 0.0) -> None:
    """Appends `key` and this process's id to the file at `path` on every run (not idempotent, on purpose);
    `hold_seconds` makes the run take that long, so one worker cannot drain a queue before another starts."""
    import os

    with open(path, "a") as handle:
        handle.write(f"{key} {os.getpid()}\n")
    time.sleep(hold_seconds)
