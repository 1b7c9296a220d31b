"""The 排查 part of tests/test_security_table.py's world: the grid worker's lead (东村第一网格,
with a photo, in a running sweep over 青山县), a court-referred lead the clerk registered and
the mediator resolved on site (its 反馈函 FBK issued, a document with no case) and the bodies
its POST recipes send."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import TestCase
from django.utils import timezone

from cases.models import Region
from tests.screening.conftest import jpeg


def add_screening(w: SimpleNamespace) -> None:
    from workflows import services as s

    today = timezone.localdate()
    grid_region = Region.objects.get(name="东村第一网格")
    w.sweep_body = {
        "region": w.qingshan.pk,
        "name": "元旦春节前矛盾纠纷大排查",
        "starts_on": (today - dt.timedelta(days=1)).isoformat(),
        "ends_on": (today + dt.timedelta(days=10)).isoformat(),
    }
    w.sweep = s.sweep_open(
        actor=w.users["supervisor"],
        region=w.qingshan,
        name="元旦春节前矛盾纠纷大排查",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=10),
    )
    w.lead = s.lead_report(
        actor=w.users["grid"],
        region=grid_region,
        description="两户因排水沟堵塞争吵",
        place="东村一组",
        people=[{"name": "王大明", "role": "applicant", "phone": "13811112222"}],
        dispute_type=w.case.dispute_type,
        sweep=w.sweep,
    )
    w.lead_photo = s.lead_photo_add(w.lead, actor=w.users["grid"], data=jpeg())
    w.lead_body = {
        "region": grid_region.pk,
        "description": "邻里争吵",
        "people_involved": 2,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.court_lead = s.lead_report(
            actor=w.users["clerk"],
            region=w.east_village,
            description="法院诉前委派：邻里排水纠纷",
            channel="court",
            sender="青山县人民法院",
            sender_reference="（2026）鲁0281民诉前调1号",
            people=[{"name": "赵诉前", "role": "applicant", "phone": "13911112222"}],
        )
        s.lead_transition(
            w.court_lead, "resolve_on_site", actor=w.users["mediator"], version=None, note="已化解"
        )
    from documents.models import Document

    w.lead_fbk = Document.objects.get(lead=w.court_lead, code="FBK")
    assert w.lead_fbk.status == "issued" and w.lead_fbk.file, w.lead_fbk.status
