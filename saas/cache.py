"""Per-user data versions for caching rendered fragments in the shared cache.

A page that is expensive to build (the dashboard) caches its HTML under the user's current data version.
Every service that changes what such a page shows calls `user_data_changed` inside its transaction; after
the commit the version becomes a new random value, so the next request builds the page afresh. Random
rather than incremented: two writers can never land on the same version, and a version lost to eviction
comes back as a value no old fragment was stored under.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def _key(user_id) -> str:
    return f"user-data-version:{user_id}"


def user_data_version(user_id) -> str:
    version = cache.get(_key(user_id))
    if version is None:
        version = uuid.uuid4().hex
        # add(): if another process set one meanwhile, use theirs.
        if not cache.add(_key(user_id), version, timeout=None):
            version = cache.get(_key(user_id)) or version
    return version


def user_data_changed(user_id) -> None:
    """The user's data changed (or will, when the current transaction commits)."""
    transaction.on_commit(lambda: cache.set(_key(user_id), uuid.uuid4().hex, timeout=None))
