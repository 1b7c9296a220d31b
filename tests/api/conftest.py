"""API test helpers: a fresh cache per test, and the count of requests the schemathesis run
sent (tests/api/test_fuzz.py)."""

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache

FUZZ_EXAMPLES = {"sent": 0}


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    # List counts are cached under the latest event id (api.pagination); on SQLite a rolled-back
    # test's ids come round again in the next test, so one test's count must not serve another;
    # throttle counters (tests/api/test_auth_errors.py) must not either.
    # The cache is the test database's cache table by default (CACHES in config/settings.py).
    # It is cleared outside the test's transaction (a live-server test has none), and only for a
    # test that uses the test database (pytest-django's rule): for one that does not, there may be
    # no test database, and the real one's cache must not be touched (nor can the test reach it).
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db and isinstance(caches["default"], DatabaseCache):
        yield
        return
    if uses_db:
        request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        cache.clear()
    yield
    with blocker.unblock():
        cache.clear()
