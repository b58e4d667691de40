"""Housekeeping the site needs on a schedule: expired sessions, expired cache rows, old task results."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils import timezone


def sessions_clear_expired() -> int:
    """Delete expired sessions (what `clearsessions` does); how many went."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    deleted, _ = store.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def cache_purge_expired() -> int:
    """Delete expired rows of every database cache: Django's only culls them past MAX_ENTRIES."""
    deleted = 0
    for alias in settings.CACHES:
        cache = caches[alias]
        if not isinstance(cache, DatabaseCache):
            continue
        db = router.db_for_write(cache.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(cache.cache_model_class._meta.db_table)
        now = timezone.now().replace(microsecond=0)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE {connection.ops.quote_name('expires')} < %s",  # noqa: S608
                [connection.ops.adapt_datetimefield_value(now)],
            )
            deleted += max(cursor.rowcount, 0)
    return deleted


def task_results_prune() -> int:
    """Delete finished tasks of the database queue: successful after a week, failed after a month."""
    from django.db.models import Q
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from saas.background import backend_kind

    if backend_kind() != "database":
        return 0  # RQ expires its own results

    now = timezone.now()
    deleted, _ = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=settings.TASKS_KEEP_SUCCEEDED_DAYS))
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - timedelta(days=settings.TASKS_KEEP_FAILED_DAYS))
    ).delete()
    return deleted
