"""`/readyz/` (SPEC §16): the database, the cache, the broker (when there is one) and the file
storage each tried; 200 when all answer, 503 naming the one that does not — by its exception's
class only, never its message (it may hold a password or a path)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from web.views import health

pytestmark = pytest.mark.django_db
SECRET = "hunter2-at-/srv/tiaojie/media"


def _ready(client):
    response = client.get(reverse("readyz"))
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response


def test_all_ok_without_login(client, settings):
    settings.CELERY_BROKER_URL = ""  # the embedded default: no broker, nothing to check
    response = _ready(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database", "cache", "storage"]
    for check in body["checks"].values():
        assert check["ok"] is True and isinstance(check["ms"], float) and "error" not in check
    # The storage probe is deleted again.
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or list(media.iterdir()) == []
    assert client.post(reverse("readyz")).status_code == 405


class _Raises:
    """Any attribute is a callable raising `exc`."""

    def __init__(self, exc: Exception):
        self.exc = exc

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise self.exc

        return fail


class _BrokenBroker:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ensure_connection(self, **kwargs):
        raise BrokerError(f"Error 111 connecting to redis://:{SECRET}@127.0.0.1:6379")


def _break(name, monkeypatch, settings):
    if name == "database":
        monkeypatch.setattr(health, "connection", _Raises(OperationalError(SECRET)))
        return "OperationalError"
    if name == "cache":
        monkeypatch.setattr(health, "cache", _Raises(ConnectionError(SECRET)))
        return "ConnectionError"
    if name == "broker":
        monkeypatch.setattr(health, "Connection", _BrokenBroker)
        return "OperationalError"
    monkeypatch.setattr(health, "default_storage", _Raises(PermissionError(13, SECRET)))
    return "PermissionError"


@pytest.mark.parametrize("broken", ["database", "cache", "broker", "storage"])
def test_each_check_failing_is_503_naming_it(broken, client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = f"redis://:{SECRET}@127.0.0.1:6379/0"
    if broken != "broker":  # the others with a broker that answers
        monkeypatch.setattr(health, "check_broker", lambda: None)
    error = _break(broken, monkeypatch, settings)
    response = _ready(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert list(body["checks"]) == ["database", "cache", "broker", "storage"]
    failed = body["checks"][broken]
    assert failed == {"ok": False, "error": error, "ms": failed["ms"]}
    assert all(c["ok"] for name, c in body["checks"].items() if name != broken)
    assert "hunter2" not in response.content.decode() and "/srv/" not in response.content.decode()


def test_a_probe_read_back_wrong_fails(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""

    class Forgetful:
        def set(self, *args, **kwargs):
            pass

        def get(self, key):
            return None

        def delete(self, key):
            pass

    monkeypatch.setattr(health, "cache", Forgetful())
    response = _ready(client)
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["error"] == "ProbeMismatch"


# --- with a real Redis broker (make test-services) -------------------------------------------
@pytest.mark.services
def test_real_broker_ok_and_down(client, settings):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("needs CELERY_BROKER_URL=redis://… (make test-services)")
    response = _ready(client)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"]["ok"] is True
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    start = time.monotonic()
    response = _ready(client)
    assert time.monotonic() - start < health.BROKER_TIMEOUT_S * 2
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": response.json()["checks"]["broker"]["ms"],
    }


@pytest.mark.services
def test_real_redis_cache(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
        }
    }
    response = _ready(client)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["cache"]["ok"] is True


def test_probes_over_plain_http_are_not_redirected_in_production(client, settings):
    """PRODUCTION=1 redirects every plain-HTTP request to HTTPS, except the health answers a
    load balancer asks each node for."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 200
    assert client.get(reverse("home")).status_code == 301
