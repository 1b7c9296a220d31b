"""`/healthz/` (alive) and `/readyz/` (SPEC §16): may this node take traffic? Each thing a request needs is tried for
real — the database (SELECT 1), the cache (set, get, delete a random key), the broker when
CELERY_BROKER_URL is set (connect once, short timeout) and the file storages (save, read back,
delete a small probe file: in the private storage, the local folder or the S3 bucket of
core/storage.py, under its PROBES folder, then in the default storage). 200 when every check passes, 503 when one fails; no login (load
balancers call it), nothing personal, and a failure names the exception's class only (a message
may hold a URL with a password, or a path). The details go to the log."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

from core.storage import PROBES, private_storage

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_S = 2.0


class ProbeMismatch(Exception):
    """A probe was written but not read back as written."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise ProbeMismatch


def check_cache() -> None:
    key, value = f"tiaojie:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 30)
    try:
        if cache.get(key) != value:
            raise ProbeMismatch
    finally:
        cache.delete(key)


def check_broker() -> None:
    timeouts = {"socket_connect_timeout": BROKER_TIMEOUT_S, "socket_timeout": BROKER_TIMEOUT_S}
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_S,
        transport_options=timeouts,
    ) as broker:
        broker.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_S
        )


def check_storage() -> None:
    for store, folder in ((private_storage(), PROBES), (default_storage, "")):
        body = uuid.uuid4().hex.encode()
        name = store.save(f"{folder}readyz-{uuid.uuid4().hex}.txt", ContentFile(body))
        try:
            with store.open(name, "rb") as stored:
                if stored.read() != body:
                    raise ProbeMismatch
        finally:
            store.delete(name)


def checks() -> dict[str, Callable[[], None]]:
    found = {"database": check_database, "cache": check_cache}
    if settings.CELERY_BROKER_URL:
        found["broker"] = check_broker
    found["storage"] = check_storage
    return found


def _run(name: str, check: Callable[[], None]) -> dict[str, object]:
    start = time.perf_counter()
    try:
        check()
    except Exception as exc:
        logger.warning("readyz: the %s check failed", name, exc_info=True)
        outcome: dict[str, object] = {"ok": False, "error": type(exc).__name__}
    else:
        outcome = {"ok": True}
    outcome["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return outcome


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers and reaches its database."""
    check_database()
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results = {name: _run(name, check) for name, check in checks().items()}
    ok = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": results}, status=200 if ok else 503
    )
