"""API test helpers: a fresh cache per test, and the count of requests the schemathesis run
sent (tests/api/test_fuzz.py)."""

import pytest
from django.core.cache import cache

FUZZ_EXAMPLES = {"sent": 0}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # List counts are cached under the latest event id (api.pagination); on SQLite a rolled-back
    # test's ids come round again in the next test, so one test's count must not serve another.
    cache.clear()
    yield
    cache.clear()


def pytest_terminal_summary(terminalreporter):
    if FUZZ_EXAMPLES["sent"]:
        terminalreporter.write_line(f"schemathesis: {FUZZ_EXAMPLES['sent']} examples sent")
