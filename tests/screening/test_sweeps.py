"""Sweeps (SPEC §13): opened by a supervisor over a region, every committee and grid of it
reports (leads or a zero report), progress per unit, the reminder 2 days before the end."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases.models import Region
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied, PreconditionFailed
from screening.progress import sweep_progress
from workflows import lead_selectors as sel
from workflows import services as s
from workflows.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def sweep(supervisor, world):
    today = timezone.localdate()
    return s.sweep_open(
        actor=supervisor,
        region=world["qingshan"],
        name="元旦春节前矛盾纠纷大排查",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=7),
        focus="征地拆迁、劳资、婚姻家庭",
    )


def _by_name(sweep):
    return {row.unit.name: row for row in sweep_progress(sweep)}


def test_only_a_supervisor_over_the_region_opens_a_sweep(world, clerk, supervisor, outsider):
    today = timezone.localdate()
    args = {"name": "排查", "starts_on": today, "ends_on": today}
    with pytest.raises(PermissionDenied):
        s.sweep_open(actor=clerk, region=world["qingshan"], **args)
    with pytest.raises(PermissionDenied):
        s.sweep_open(actor=supervisor, region=world["baishui"], **args)
    with pytest.raises(InvalidInput):
        s.sweep_open(
            actor=supervisor,
            region=world["qingshan"],
            name="排查",
            starts_on=today,
            ends_on=today - dt.timedelta(days=1),
        )
    with pytest.raises(PreconditionFailed):
        s.sweep_open(actor=supervisor, region=world["qingshan"], name="", starts_on="", ends_on="")


def test_progress_reported_zero_missing(sweep, report, grid, clerk, world):
    rows = _by_name(sweep)
    assert set(rows) == {"东村人民调解委员会", "青山市青山县东镇东村东村第一网格"}
    assert {r.status for r in rows.values()} == {"missing"}
    lead = report(sweep=sweep, risk_factors=["violence_threat"])
    rows = _by_name(sweep)
    grid_row = rows["青山市青山县东镇东村东村第一网格"]
    assert (grid_row.status, grid_row.leads, grid_row.high, grid_row.triaged) == (
        "reported",
        1,
        1,
        0,
    )
    assert rows["东村人民调解委员会"].status == "missing"  # the grid's lead is the grid's
    s.lead_transition(lead, "to_case", actor=clerk, version=lead.version)
    grid_row = _by_name(sweep)["青山市青山县东镇东村东村第一网格"]
    assert (grid_row.triaged, grid_row.resolved) == (1, 1)
    s.sweep_report(sweep, actor=clerk, region=world["east_village"], zero=True, note="")
    row = _by_name(sweep)["东村人民调解委员会"]
    assert row.status == "zero" and row.report.note == "本期未排查出矛盾纠纷"


def test_report_rules(sweep, report, grid, grid_b, clerk, outsider, mediator, world, east_grid):
    with pytest.raises(NotFound):
        s.sweep_report(sweep, actor=outsider, region=world["east_village"], zero=True)
    with pytest.raises(InvalidInput):
        s.sweep_report(sweep, actor=clerk, region=world["qingshan"], zero=True)
    with pytest.raises(PermissionDenied):
        s.sweep_report(sweep, actor=mediator, region=world["east_village"], zero=True)
    with pytest.raises(PermissionDenied):
        s.sweep_report(sweep, actor=grid, region=world["east_village"], zero=True)
    with pytest.raises(PreconditionFailed):
        s.sweep_report(sweep, actor=grid, region=east_grid, zero=False)
    report(sweep=sweep)
    with pytest.raises(InvalidInput):
        s.sweep_report(sweep, actor=grid, region=east_grid, zero=True)
    s.sweep_report(sweep, actor=grid, region=east_grid, zero=False, note="已上报")
    with pytest.raises(InvalidState):
        s.sweep_report(sweep, actor=clerk, region=east_grid, zero=False)


def test_a_lead_outside_the_sweep_or_its_period_is_refused(sweep, report, grid_b):
    with pytest.raises(InvalidInput):
        report(sweep=sweep, found_on=sweep.starts_on - dt.timedelta(days=1))
    west_grid = Region.objects.get(name="西村")
    with pytest.raises(InvalidInput):
        report(actor=grid_b, region=west_grid, sweep=sweep)


def test_sweeps_visible_over_ones_region(sweep, grid, clerk, outsider, supervisor, grid_b):
    assert list(sel.sweeps_for(grid)) == [sweep]
    assert list(sel.sweeps_for(clerk)) == [sweep]
    assert list(sel.sweeps_for(supervisor)) == [sweep]
    assert list(sel.sweeps_for(outsider)) == []
    assert list(sel.sweeps_for(grid_b)) == []


def test_reminder_two_days_before_the_end_once(sweep, grid, clerk, east_grid, report):
    from workflows.sweep import sla_sweep

    report(sweep=sweep)  # the grid has reported; the committee has not
    with time_machine.travel(sweep.ends_on - dt.timedelta(days=3), tick=False):
        assert sla_sweep().sweep_reminders == 0
    with time_machine.travel(sweep.ends_on - dt.timedelta(days=2), tick=False):
        assert sla_sweep().sweep_reminders == 1
        assert sla_sweep().sweep_reminders == 0
    told = Notification.objects.filter(message__contains="元旦春节前矛盾纠纷大排查")
    assert set(told.values_list("user__username", flat=True)) == {"clerk", "director"}
