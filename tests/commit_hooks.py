"""Commit hooks in tests that run inside a transaction, as they run in production.

pytest-django's `db` tests run in a transaction that is rolled back, so `transaction.on_commit` callbacks
(e-mail tasks, cache bumps) would never run. While `emulate_commits` is active, a callback runs when the
code's own outermost `atomic` block exits successfully, or at once when the code has none open, exactly
when a real commit would run it; a rolled-back block still drops its callbacks.
"""

import logging
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.transaction import Atomic

logger = logging.getLogger(__name__)


def _only_test_blocks(connection) -> bool:
    return connection.in_atomic_block and all(block._from_testcase for block in connection.atomic_blocks)


def _run(func, robust: bool) -> None:
    if not robust:
        func()
        return
    try:
        func()
    except Exception as error:
        logger.exception("Error calling %s in on_commit() (%s).", getattr(func, "__qualname__", func), error)


@contextmanager
def emulate_commits(monkeypatch):
    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = Atomic.__exit__

    def on_commit(self, func, robust=False):
        if _only_test_blocks(self):
            _run(func, robust)
        else:
            original_on_commit(self, func, robust)

    def exit_(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        result = original_exit(self, exc_type, exc_value, traceback)
        if exc_type is None and not self._from_testcase and _only_test_blocks(connection):
            pending, connection.run_on_commit = connection.run_on_commit, []
            for _, func, robust in pending:
                _run(func, robust)
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(Atomic, "__exit__", exit_)
    yield
