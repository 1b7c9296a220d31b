"""SPEC §16: one cache for every web node and worker (rate limits, cached list counts) — the
database by default, Redis with CACHE_URL — so two processes see the same values."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parent.parent
TABLE = "tiaojie_cache"
PROBE = "tiaojie:test:isolation"


def _shell(code: str, tmp_path: Path, **env: str) -> str:
    """`manage.py shell -c CODE` in a process of its own (SQLite in tmp_path, CACHE_URL as
    given): the last line it prints."""
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TIAOJIE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=full | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _set_in_one_process_read_in_another(tmp_path: Path, setup: str = "", **env: str) -> str:
    """The backend class the first process used."""
    key, value = f"tiaojie:test:{uuid.uuid4().hex}", uuid.uuid4().hex
    backend = _shell(
        f"from django.core.cache import cache, caches\n{setup}"
        f"cache.set({key!r}, {value!r}, 60)\n"
        "print(type(caches['default']).__name__)",
        tmp_path,
        **env,
    )
    read = _shell(
        f"from django.core.cache import cache\nprint(cache.get({key!r}))\ncache.delete({key!r})",
        tmp_path,
        **env,
    )
    assert read == value
    return backend


def test_default_cache_is_the_database_and_shared_between_processes(tmp_path):
    # The first process creates the table as `migrate` does (web/migrations/0001_cache_table.py
    # runs the same command) and writes; the second, on the same database, reads it.
    setup = "from django.core.management import call_command\ncall_command('createcachetable')\n"
    assert _set_in_one_process_read_in_another(tmp_path, setup) == "DatabaseCache"


@pytest.mark.services
def test_redis_cache_is_shared_between_processes(tmp_path):
    url = "redis://127.0.0.1:6379/14"
    assert _set_in_one_process_read_in_another(tmp_path, CACHE_URL=url) == "RedisCache"


@pytest.mark.django_db
def test_the_migration_creates_the_cache_table():
    assert ("web", "0001_cache_table") in MigrationLoader(connection).applied_migrations
    migration = importlib.import_module("web.migrations.0001_cache_table")
    editor = SimpleNamespace(
        connection=connection,
        execute=lambda sql: connection.cursor().execute(sql),
        quote_name=connection.ops.quote_name,
    )
    migration.drop(None, editor)  # inside the test's transaction: rolled back afterwards
    assert TABLE not in connection.introspection.table_names()
    migration.create(None, editor)
    assert TABLE in connection.introspection.table_names()
    migration.create(None, editor)  # again: a table that exists is left as it is


# The test database's cache table is rolled back with each test, so one test's cache entries
# (a throttle counter, a list count) never reach the next. The two tests run in this order.
_database_cache = pytest.mark.skipif(
    os.environ.get("CACHE_URL", "") != "", reason="CACHE_URL is set: not the database cache"
)


@_database_cache
@pytest.mark.django_db
def test_isolation_a_test_writes_the_cache():
    assert isinstance(caches["default"], DatabaseCache)
    caches["default"].set(PROBE, "left behind", 600)
    assert caches["default"].get(PROBE) == "left behind"


@_database_cache
@pytest.mark.django_db
def test_isolation_the_next_test_does_not_see_it():
    assert caches["default"].get(PROBE) is None


@pytest.mark.services
def test_redis_cache_keeps_one_client_per_server():
    """core.redis_cache: Django's backend, but the `redis.Redis` of a server is built once (not
    once per call); writes go to the first server, reads to the others, as Django's do."""
    import redis

    from core.redis_cache import RedisCache

    first, second = "redis://127.0.0.1:6379/14", "redis://127.0.0.1:6379/15"
    cache = RedisCache(f"{first},{second}", {"OPTIONS": {"socket_timeout": 2}})
    key = f"tiaojie:test:{uuid.uuid4().hex}"
    replica = redis.Redis.from_url(second)
    try:
        cache.set(key, {"n": 1}, 60)  # written to the first
        assert cache.get(key) is None  # read from the second, which has no copy
        replica.set(cache.make_key(key), 7)  # an int is stored as itself (RedisSerializer)
        assert cache.get(key) == 7
    finally:
        replica.delete(cache.make_key(key))
        cache.delete(key)
    client = cache._cache
    assert client.get_client(write=True) is client.get_client(write=True)
    assert client.get_client(write=False) is client.get_client(write=False)
    assert client.get_client(write=True) is not client.get_client(write=False)
    assert client.get_client(write=False).connection_pool.connection_kwargs["db"] == 15
    assert client.get_client(write=True).connection_pool.connection_kwargs["db"] == 14
