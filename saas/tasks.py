"""Background tasks of the site itself: its periodic housekeeping (see settings.TASKS_PERIODIC)."""

from saas import housekeeping
from saas.background import background_task


@background_task(max_attempts=3)
def sessions_clear_expired() -> int:
    return housekeeping.sessions_clear_expired()


@background_task(max_attempts=3)
def cache_purge_expired() -> int:
    return housekeeping.cache_purge_expired()


@background_task(max_attempts=3)
def task_results_prune() -> int:
    return housekeeping.task_results_prune()
