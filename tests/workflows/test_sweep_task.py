"""SPEC §16: Celery beat sends `sla_sweep` hourly (config/celery.py); the task is the command's
function (workflows/sweep.py), so both do the same."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import maybe_schedule
from django.core.management import call_command

from config.celery import app
from tests.factories import party
from workflows.models import CaseEvent, Notification
from workflows.tasks import sla_sweep

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
NO_LEADS = {"leads_overdue": 0, "sweep_reminders": 0}  # the 排查 part (SPEC §13)


def test_beat_sends_the_sweep_every_hour():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == "workflows.sla_sweep"]
    assert maybe_schedule(entry["schedule"]).run_every == dt.timedelta(hours=1)
    app.loader.import_default_modules()  # what a worker does: autodiscovered task modules
    assert app.tasks["workflows.sla_sweep"].run is sla_sweep.run


@pytest.mark.django_db
def test_the_task_run_eagerly_does_what_the_command_does(register, director, mediator):
    with time_machine.travel(T0, tick=False):
        late = register()
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        soon = register(parties=[party("applicant", 31), party("respondent", 32)])
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        assert sla_sweep.apply().get() == {
            "overdue": 1,
            "reminded": 1,
            "register_alerts": 0,
            **NO_LEADS,
        }
        assert sla_sweep.apply().get() == {
            "overdue": 0,
            "reminded": 0,
            "register_alerts": 0,
            **NO_LEADS,
        }
        out = StringIO()
        call_command("sla_sweep", stdout=out)
    assert out.getvalue() == (
        "sla_sweep: 0 newly overdue, 0 due-soon reminders, 0 mediator register alerts, "
        "0 newly overdue leads, 0 sweep reminders\n"
    )
    assert CaseEvent.objects.filter(case=late, name="overdue").count() == 1
    late.refresh_from_db()
    assert "overdue" in [r["factor"] for r in late.risk_reasons]
    assert Notification.objects.filter(case=late, kind="overdue", user=director).count() == 1
    assert Notification.objects.filter(case=soon, kind="due_soon").count() >= 1
    assert not CaseEvent.objects.filter(case=soon, name="overdue").exists()
