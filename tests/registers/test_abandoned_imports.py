"""Import uploads are kept in the private storage until confirmed, and deleted when abandoned for
24 hours (SPEC §12, registers/tasks.py) by a task in the beat schedule."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.files.storage import default_storage, storages
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from registers import tasks
from tests.registers.test_importing import as_xlsx, row
from tests.registers.test_io_pages import _upload
from web.views.registers import SESSION_KEY


def kept_upload(client, clerk, world) -> str:
    client.force_login(clerk)
    response = _upload(client, world["east"], as_xlsx([row(1)]), "r.xlsx")
    assert 'id="confirm-form"' in response.content.decode()
    return client.session[SESSION_KEY]["path"]


def test_a_checked_upload_is_kept_privately_without_a_token_in_its_name(client, clerk, world):
    path = kept_upload(client, clerk, world)
    assert path.startswith("imports/") and path.endswith(".xlsx")
    assert path.removeprefix("imports/").startswith(f"u{clerk.pk}-o{world['east'].pk}-")
    assert storages["private"].exists(path) and not default_storage.exists(path)


def test_the_task_is_scheduled_hourly():
    entry = app.conf.beat_schedule["purge-abandoned-imports-hourly"]
    assert entry["task"] == "registers.purge_abandoned_imports"
    assert entry["schedule"] == dt.timedelta(hours=1)
    assert app.tasks["registers.purge_abandoned_imports"].name == tasks.purge_imports.name


def test_an_upload_abandoned_for_a_day_is_deleted(client, clerk, world):
    old = kept_upload(client, clerk, world)
    # The task as beat sends it (run in-process without a broker).
    assert tasks.purge_imports.delay().get() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23, minutes=59)):
        assert tasks.purge_imports.delay().get() == 0  # not yet a day
    assert storages["private"].exists(old)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, minutes=1)):
        assert tasks.purge_imports.delay().get() == 1
    assert not storages["private"].exists(old)

    # Confirming the deleted one is a message, not a 500.
    response = client.post(reverse("cases:import", args=[world["east"].pk]), {"step": "confirm"})
    assert response.status_code == 302
    assert "已过期" in client.get(response["Location"]).content.decode()


def test_nothing_kept_nothing_to_do():
    assert tasks.purge_abandoned_imports() == []
