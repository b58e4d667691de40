"""The database cache (saas/cache.py): Django's semantics, one statement per write, culling on a sample."""

import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saas import cache as cache_module
from saas.cache import DatabaseCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_cache():
    call_command("createcachetable", "saas_test_cache", verbosity=0)
    return DatabaseCache("saas_test_cache", {"OPTIONS": {"MAX_ENTRIES": 50}})


@pytest.fixture
def never_cull(monkeypatch):
    monkeypatch.setattr(cache_module.random, "randrange", lambda n: 1)


def test_set_get_delete_touch_incr_behave_as_djangos(db_cache, never_cull):
    db_cache.set("a", {"x": 1}, 60)
    db_cache.set("a", {"x": 2}, 60)
    assert db_cache.get("a") == {"x": 2}
    assert db_cache.touch("a", 120) is True and db_cache.touch("missing", 120) is False
    db_cache.set("n", 1)
    assert db_cache.incr("n", 5) == 6
    db_cache.delete("a")
    assert db_cache.get("a") is None


def test_add_keeps_a_live_value_and_replaces_an_expired_one(db_cache, never_cull):
    assert db_cache.add("k", "first", 60) is True
    assert db_cache.add("k", "second", 60) is False
    assert db_cache.get("k") == "first"

    db_cache.set("old", "stale", -1)  # already expired
    assert db_cache.add("old", "fresh", 60) is True
    assert db_cache.get("old") == "fresh"


def test_a_write_is_one_statement(db_cache, never_cull):
    db_cache.set("warm", 1)

    with CaptureQueriesContext(connection) as queries:
        db_cache.set("warm", 2)

    assert len(queries) == 1 and "COUNT" not in queries[0]["sql"]


def test_the_table_is_culled_on_a_sample_of_writes(db_cache, monkeypatch):
    monkeypatch.setattr(cache_module.random, "randrange", lambda n: 1)
    for n in range(80):
        db_cache.set(f"key-{n}", n, 600)
    assert _rows() == 80

    monkeypatch.setattr(cache_module.random, "randrange", lambda n: 0)
    db_cache.set("one-more", 1, 600)

    assert _rows() < 80


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM saas_test_cache")
        return cursor.fetchone()[0]


def test_the_redis_client_is_made_once_per_connection_pool():
    import redis

    from saas.cache import RedisCache

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/4", socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379: CI starts it (.ci/run).")
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI starts it).")
    cache = RedisCache("redis://127.0.0.1:6379/4", {})

    cache.set("k", "v")
    assert cache.get("k") == "v"
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
