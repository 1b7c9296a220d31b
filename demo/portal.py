"""Demo data of the parties' side (SPEC §14), so that `make run` shows it: an online
application waiting in 东村调委's 待办, an agreement draft waiting for the parties' signatures on
a case in 调解, and two parties' ratings of archived cases. Once: nothing is added when an
application exists."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cases.models import Case, DisputeType, Organization
from portal import ratings, signing
from portal.applications import INTAKE_DAYS, new_reference
from portal.models import Application


@transaction.atomic
def seed_portal() -> int:
    """The demo rows of the parties' side; the count of rows added (0 when already there)."""
    if Application.objects.exists():
        return 0
    east = Organization.objects.get(short_code="东村调委")
    now = timezone.now()
    # As `application_submit` leaves one after the phone check (its SMS code cannot be typed
    # by a seed): the applicant's data, routed to the village's committee.
    Application.objects.create(
        reference=new_reference(),
        phone="13800000021",
        applicant={
            "name": "赵秀兰",
            "id_type": "resident_id",
            "id_number": "110101195703150027",
            "phone": "13800000021",
            "address": "青山县东镇东村4组8号",
        },
        respondent={"name": "钱进", "phone": "13800000022", "address": "青山县东镇东村4组9号"},
        region=east.region,
        organization=east,
        dispute_type=DisputeType.objects.filter(taxonomy__is_current=True).order_by("pk")[0],
        facts="邻居钱进家扩建院墙，占了我家门前通道约半米，车进不去，多次商量没有结果。",
        requests="请调委会主持调解，让对方拆除占道部分，恢复通道。",
        rights_acknowledged=True,
        submitted_at=now,
        intake_due=timezone.localdate(now) + dt.timedelta(days=INTAKE_DAYS),
    )
    added = 1
    mediator = User.objects.get(username="mediator")
    in_mediation = (
        Case.objects.filter(organization=east, status="mediation", mediators=mediator)
        .filter(mediationsessions__isnull=False)
        .order_by("pk")
        .first()
    )
    if in_mediation is not None:
        signing.prepare_draft(
            in_mediation,
            mediator,
            terms=["被申请人于十五日内将占用通道的院墙拆除，恢复原状", "拆除费用由被申请人承担"],
            performance_method="被申请人自行拆除，调解员到场见证",
            performance_deadline=timezone.localdate() + dt.timedelta(days=15),
        )
        added += 1
    archived = (
        Case.objects.filter(organization=east, status="archived", followupvisits__isnull=False)
        .distinct()
        .order_by("pk")[:2]
    )
    for case, given in zip(archived, ["satisfied", "basically_satisfied"], strict=False):
        party = case.parties.filter(role="applicant").exclude(phone="").first()
        if party is not None:
            ratings.rate(case, phone=party.phone, satisfaction=given, comment="调解员很耐心")
            added += 1
    return added
