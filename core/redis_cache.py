"""Django's Redis cache, with one `redis.Redis` client per server instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation; the
connection pool is shared, but each client's constructor fills its table of about 170 response
callbacks — measured in bench/bench_requests.py as 3 % of a page's CPU (3 cache reads a page:
session, deadline settings, counts). A `redis.Redis` is safe to share between threads (each
command borrows a pooled connection) and after a fork (the pool checks its process id), so one
per server is kept. Everything else — serialisation, timeouts, key handling — is Django's."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # Django's private attributes, which its type stubs do not declare
        index = int(django._get_connection_pool_index(write))
        client = self._clients.get(index)
        if client is None:
            if index not in django._pools:  # as Django's _get_connection_pool, for this index
                django._pools[index] = django._pool_class.from_url(
                    django._servers[index], **django._pool_options
                )
            client = self._clients[index] = django._client(connection_pool=django._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    """CACHES' BACKEND for a `redis://` CACHE_URL (config/env.py)."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
