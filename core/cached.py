"""Values kept in the shared cache (CACHES: the database embedded, Redis in production) and
forgotten when what they were read from changes."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction


def forget(key: str, on_commit: bool = True) -> None:
    """Drop `key` now, and (`on_commit`) again when the current transaction commits: a reader
    between the change and the commit still sees the old row and may have cached it again."""
    cache.delete(key)
    if on_commit:
        transaction.on_commit(lambda: cache.delete(key))
