"""Periodic clean-up of import uploads (SPEC §12: abandoned imports are deleted after 24 hours).

The import page keeps a checked file in the private storage under imports/ until its user
confirms it (web/views/registers.py); a file nobody confirmed is deleted once it is older than
settings.TIAOJIE_IMPORT_UPLOAD_HOURS. Hourly from Celery beat (config/celery.py); through the
storage API only, so it works the same on object storage."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.storage import private_storage

logger = logging.getLogger(__name__)
FOLDER = "imports"


def purge_abandoned_imports(now: dt.datetime | None = None) -> list[str]:
    """Delete every kept upload older than the setting; the names deleted."""
    storage = private_storage()
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.TIAOJIE_IMPORT_UPLOAD_HOURS)
    try:
        _folders, files = storage.listdir(FOLDER)
    except FileNotFoundError:
        return []  # nothing was ever kept
    deleted = []
    for name in sorted(files):
        path = f"{FOLDER}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                deleted.append(path)
        except FileNotFoundError:
            continue  # confirmed (and deleted) meanwhile
    return deleted


# Celery ships no type information (ignore_missing_imports), so its decorator is untyped.
@shared_task(name="registers.purge_abandoned_imports")
def purge_imports() -> int:
    deleted = purge_abandoned_imports()
    if deleted:
        logger.info("deleted %d abandoned import upload(s)", len(deleted))
    return len(deleted)
