"""Cache entries that hold a user's data, and how account deletion forgets them.

The rule: an entry that holds someone's data names their id in its key (the dashboard's is
`dashboard:<user id>:<data version>:...`). Deleting the account then removes every entry whose key
contains the id, where the backend can list its keys: the database cache (one DELETE), the in-process
cache, and Redis (a SCAN). Memcached and the file cache cannot list keys; there the entries become
unreachable, since the id of a deleted user is never used again and no key can be formed for it, and
they expire on their own (the dashboard's after ten minutes).
"""

import logging
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, cast

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router

logger = logging.getLogger(__name__)


def user_cache_forget(*, user_id) -> int:
    """Remove every entry, of every configured cache, whose key names `user_id`; how many went (where known)."""
    fragment = str(user_id)
    removed = 0
    for alias in settings.CACHES:
        cache = caches[alias]
        forget = _forgetter(cache)
        if forget is None:
            logger.info(
                "Cache %s cannot list its keys: the deleted user's entries expire on their own",
                alias,
                extra={"cache": alias, "backend": type(cache).__name__},
            )
            continue
        removed += forget(cache, fragment)
    return removed


def _forget_database(cache: DatabaseCache, fragment: str) -> int:
    db = router.db_for_write(cache.cache_model_class)
    connection = connections[db]
    table = connection.ops.quote_name(cache.cache_model_class._meta.db_table)
    column = connection.ops.quote_name("cache_key")
    with connection.cursor() as cursor:
        # A UUID has no LIKE wildcard in it; the pattern is still a parameter.
        cursor.execute(f"DELETE FROM {table} WHERE {column} LIKE %s", [f"%{fragment}%"])  # noqa: S608
        return max(cursor.rowcount, 0)


class _LocMemInternals(Protocol):
    """The private attributes of Django's LocMemCache used here, which django-stubs does not declare."""

    _lock: AbstractContextManager
    _cache: MutableMapping[str, Any]
    _expire_info: MutableMapping[str, Any]


def _forget_locmem(cache: LocMemCache, fragment: str) -> int:
    internals = cast(_LocMemInternals, cache)  # every LocMemCache has them (django/core/cache/backends/locmem.py)
    with internals._lock:
        keys = [key for key in internals._cache if fragment in key]
        for key in keys:
            del internals._cache[key]
            internals._expire_info.pop(key, None)
    return len(keys)


def _forget_redis(cache: RedisCache, fragment: str) -> int:
    client = cache._cache.get_client(None, write=True)  # the primary: replicas follow it
    removed = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"*{fragment}*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            removed += client.delete(*batch)
            batch = []
    if batch:
        removed += client.delete(*batch)
    return removed


def _forgetter(cache: BaseCache) -> Callable[[Any, str], int] | None:
    if isinstance(cache, DatabaseCache):
        return _forget_database
    if isinstance(cache, LocMemCache):
        return _forget_locmem
    if isinstance(cache, RedisCache):
        return _forget_redis
    return None
