"""Django's cache backends, with the costs they added to every request taken out.

The database cache (the embedded default): Django's runs `SELECT COUNT(*)` over the whole cache table before
every write (to decide whether to cull), then a SELECT and an UPDATE or INSERT in a savepoint. Sessions, rate-
limit counters, token limits and the dashboard all write to this cache, so on a busy site the count scans a
large table on most requests. Here a write is one upsert (`INSERT ... ON CONFLICT`, on PostgreSQL and SQLite
alike), and the count-and-cull runs on one write in CULL_EVERY; expired rows are also purged by the periodic
job `cache_purge_expired` (saas/housekeeping.py).

Redis (production's): see RedisCacheClient.
"""

import base64
import pickle
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import connections, router
from django.utils.timezone import now as tz_now

# One write in this many counts the table and culls it when it is over MAX_ENTRIES.
CULL_EVERY = 100


class DatabaseCache(DjangoDatabaseCache):
    # Django's private culling method, which django-stubs does not declare.
    _cull: Callable[[str, Any, datetime, int], None]

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column, value_column, expires_column = (
            quote(name) for name in (self.cache_model_class._meta.db_table, "cache_key", "value", "expires")
        )
        now = tz_now().replace(microsecond=0)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires_db = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        with connection.cursor() as cursor:
            if random.randrange(CULL_EVERY) == 0:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - quoted names only
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    self._cull(db, cursor, now, count)
            if mode == "touch":
                cursor.execute(
                    f"UPDATE {table} SET {expires_column} = %s WHERE {key_column} = %s",  # noqa: S608
                    [expires_db, key],
                )
                return bool(cursor.rowcount)
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            # `add` overwrites only a row that has expired; `set` overwrites any.
            only_if_expired = f" WHERE {table}.{expires_column} < %s" if mode == "add" else ""
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = excluded.{value_column}, "
                f"{expires_column} = excluded.{expires_column}{only_if_expired}",
                [key, encoded, expires_db, *([connection.ops.adapt_datetimefield_value(now)] if mode == "add" else [])],
            )
            return bool(cursor.rowcount)


class RedisCacheClient(DjangoRedisCacheClient):
    """Django's Redis client, keeping one `redis.Redis` per connection pool instead of making a new one for
    every cache call: its constructor registers ~170 response callbacks, a cost every request paid for its
    session read. The pools (and so the clients) stay per process; redis-py resets a pool after a fork."""

    # Django's private attributes this class uses, which django-stubs does not declare.
    _get_connection_pool: Callable[[bool], Any]
    _client: Callable[..., Any]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
