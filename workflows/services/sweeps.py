"""Sweeps (排查活动, SPEC §13): a supervisor opens one (`sweep_open`); each committee and grid of
its region reports (`sweep_report`: its leads are in, or 零报告); two days before the end the units
that have not reported are reminded (`sweep_remind`, run by the SLA sweep)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from cases.choices import Role
from cases.models import Region
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied, PreconditionFailed
from screening.models import Sweep, SweepReport
from screening.progress import sweep_progress, sweep_units, unit_for
from screening.scope import may_open_sweep, may_report_for, sweep_scope_q
from workflows import deadlines, notify
from workflows.services.change import full_clean
from workflows.services.inputs import date_or_none

REMIND_DAYS_BEFORE_END = 2


def sweep_open(
    *,
    actor: User | None,
    region: Region | None,
    name: str,
    starts_on: object,
    ends_on: object,
    focus: str = "",
) -> Sweep:
    if region is None:
        raise PreconditionFailed(["排查区域"])
    if not may_open_sweep(actor, region):
        raise PermissionDenied("“发起排查活动”只能由该区域的督导员办理。")
    start = date_or_none(starts_on, "starts_on")
    end = date_or_none(ends_on, "ends_on")
    missing = []
    if not (name or "").strip():
        missing.append("活动名称")
    if start is None:
        missing.append("开始日期")
    if end is None:
        missing.append("结束日期")
    if missing:
        raise PreconditionFailed(missing)
    assert start is not None and end is not None and actor is not None
    if end < start:
        message = "结束日期不能早于开始日期。"
        raise InvalidInput(message, fields={"ends_on": [message]})
    sweep = Sweep(
        region=region,
        name=name.strip(),
        starts_on=start,
        ends_on=end,
        focus=(focus or "").strip(),
        opened_by=actor,
    )
    full_clean(sweep)
    sweep.save()
    return sweep


def sweep_report(
    sweep: Sweep, *, actor: User | None, region: Region | None, zero: bool, note: str = ""
) -> SweepReport:
    """A unit's report: `zero` (本期未排查出矛盾纠纷) only when it has no lead in the sweep; a
    report of leads only when it has some. Once per unit, within the sweep's period."""
    if not Sweep.objects.filter(sweep_scope_q(actor), pk=sweep.pk).exists():
        raise NotFound("排查活动不存在。")
    units = sweep_units(sweep)
    unit = unit_for(units, region) if region is not None else None
    if unit is None:
        message = "该区域不是本次排查活动的报告单位（调委会或网格）。"
        raise InvalidInput(message, fields={"region": [message]})
    if not may_report_for(actor, unit.region, committee=unit.organization is not None):
        raise PermissionDenied(f"只有{unit.name}的登记员、主任或网格员可以报告。")
    today = deadlines.today()
    if not sweep.starts_on <= today <= sweep.ends_on:
        raise InvalidState(f"排查活动的报告期间为{sweep.starts_on}至{sweep.ends_on}。")
    row = next(p for p in sweep_progress(sweep) if p.unit.region.pk == unit.region.pk)
    if row.report is not None:
        raise InvalidState(f"{unit.name}已于{row.report.at:%Y-%m-%d}报告。")
    if zero and row.leads:
        message = f"{unit.name}本期已上报{row.leads}条线索，不能作零报告。"
        raise InvalidInput(message, fields={"zero": [message]})
    if not zero and not row.leads:
        raise PreconditionFailed(["本期排查出的线索（请先上报线索，或作零报告）"])
    assert actor is not None and region is not None
    report = SweepReport(
        sweep=sweep,
        region=region,
        zero=bool(zero),
        note=(note or "").strip() or ("本期未排查出矛盾纠纷" if zero else ""),
        by=actor,
        at=deadlines.now(),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # a second report raced this one
        raise InvalidState(f"{unit.name}已经报告。") from None
    return report


def _reporters(region: Region, *, organization_id: int | None) -> list[User]:
    users = get_user_model().objects.filter(is_active=True)
    if organization_id is not None:
        found = users.filter(
            memberships__organization_id=organization_id,
            memberships__role__in=[Role.CLERK, Role.DIRECTOR],
        )
    else:
        found = users.filter(memberships__role=Role.GRID_WORKER, memberships__region=region)
    return list(found.distinct())


def sweep_remind(sweep: Sweep, *, on: dt.date | None = None) -> int:
    """Tell each unit that has not reported, once, from 2 days before the end (the count)."""
    on = on or deadlines.today()
    if sweep.reminded_on or not (
        sweep.ends_on - dt.timedelta(days=REMIND_DAYS_BEFORE_END) <= on <= sweep.ends_on
    ):
        return 0
    reminded = 0
    with transaction.atomic():
        if not Sweep.objects.filter(pk=sweep.pk, reminded_on__isnull=True).update(reminded_on=on):
            return 0
        sweep.reminded_on = on
        for row in sweep_progress(sweep):
            if row.status != "missing":
                continue
            org = row.unit.organization
            users = _reporters(row.unit.region, organization_id=org.pk if org else None)
            if users:
                notify.sweep_reminder(sweep, users, row.unit.name)
                reminded += 1
    return reminded


def running_sweeps(on: dt.date | None = None) -> list[Sweep]:
    on = on or deadlines.today()
    return list(Sweep.objects.filter(starts_on__lte=on, ends_on__gte=on).select_related("region"))
