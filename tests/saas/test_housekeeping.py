"""The site's periodic housekeeping: expired sessions, expired cache rows, old task results."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from saas import housekeeping, tasks
from saas.background import enqueue, run_here
from tests import task_fixtures

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_cleared_and_live_ones_kept_twice_safely():
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="x", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="x", expire_date=now + timedelta(days=1))

    assert run_here(tasks.sessions_clear_expired) == 1
    assert run_here(tasks.sessions_clear_expired) == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.fixture
def database_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "rows": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_cache_rows"},
    }
    call_command("createcachetable", "test_cache_rows", verbosity=0)
    return caches["rows"]


def test_expired_cache_rows_are_purged_and_fresh_ones_kept_twice_safely(database_cache):
    database_cache.set("fresh", 1, timeout=3600)
    database_cache.set("stale", 1, timeout=3600)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE test_cache_rows SET expires = %s WHERE cache_key LIKE %s",
            [timezone.now() - timedelta(hours=1), "%stale"],
        )

    assert run_here(tasks.cache_purge_expired) == 1
    assert run_here(tasks.cache_purge_expired) == 0
    assert database_cache.get("fresh") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM test_cache_rows")
        assert cursor.fetchone()[0] == 1


def test_old_task_results_are_pruned_and_recent_ones_kept(real_queue):
    if real_queue.kind != "database":
        pytest.skip("RQ expires its own results.")
    from django_tasks_db.models import DBTaskResult

    for n in range(3):
        enqueue(task_fixtures.add, n, n)
    real_queue.drain()
    old, older, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    DBTaskResult.objects.filter(pk=older.pk).update(status="FAILED", finished_at=timezone.now() - timedelta(days=8))

    assert housekeeping.task_results_prune() == 1
    assert housekeeping.task_results_prune() == 0
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {older.pk, recent.pk}
