"""The lead services (SPEC §13): report, each transition, guards, scope (404) and role (403),
versions, gap-free numbering, the repeat flag, deadlines, to_case with nothing retyped."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case
from core.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from screening import rollup
from screening.models import Lead, LeadEvent, LeadPhoto
from tests.screening.conftest import jpeg
from workflows import lead_selectors as sel
from workflows import services as s
from workflows.models import Notification

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def test_report_numbers_scores_and_logs(report, grid, world):
    lead = report()
    assert lead.number == f"（{lead.year}）东村调委排字第0001号"
    assert lead.organization == world["east"] and lead.status == "reported"
    assert lead.people_involved == 2 and lead.people.count() == 2
    assert lead.risk_level == "low" and lead.version == 0
    [event] = LeadEvent.objects.filter(lead=lead)
    assert (event.name, event.actor, event.to_status) == ("report", grid, "reported")
    assert report().seq == 2


def test_numbering_is_gap_free_after_a_refused_report(report):
    assert report().seq == 1
    with pytest.raises(PreconditionFailed):
        report(description="")
    with pytest.raises(InvalidInput):
        report(people=[{"name": "张三", "phone": "12"}])
    assert report().seq == 2
    assert sorted(Lead.objects.values_list("seq", flat=True)) == [1, 2]


def test_report_guards_list_everything_missing(report):
    with pytest.raises(PreconditionFailed) as exc:
        report(description=" ", people=[], people_involved=0)
    assert exc.value.missing == ["情况描述（发现了什么）", "至少一名涉及人员或涉及人数"]
    assert report(people=[], people_involved=3).people_involved == 3


def test_report_outside_the_grid_workers_region_is_refused(report, world, grid_b):
    with pytest.raises(InvalidInput) as exc:
        report(region=world["west_village"])
    assert "不在您负责的区域内" in exc.value.message
    with pytest.raises(InvalidInput):
        report(actor=grid_b)  # 东村's grid is not theirs


def test_a_supervisor_may_not_report(report, supervisor):
    with pytest.raises(PermissionDenied):
        report(actor=supervisor)


def test_a_clerk_reports_in_the_committees_region(report, clerk, world):
    lead = report(
        actor=clerk, region=world["east_village"], channel="court", sender="青山县人民法院"
    )
    assert lead.organization == world["east"] and lead.channel == "court"


def test_high_risk_notifies_committee_and_supervisors_at_once(report, clerk, director, supervisor):
    before = Notification.objects.count()
    lead = report(risk_factors=["violence_threat"])
    assert lead.risk_level == "high"  # 40
    assert report(risk_factors=["violence_threat"], people_involved=6).risk_level == "critical"
    notified = set(
        Notification.objects.filter(kind="high_risk").values_list("user__username", flat=True)
    )
    assert {"clerk", "director", "supervisor", "supervisor_city"} <= notified
    assert "grid" not in notified and Notification.objects.count() > before


def test_triage_deadline_one_day_for_high_three_days_otherwise(report):
    with time_machine.travel(T0, tick=False):
        low = report()
        high = report(risk_factors=["violence_threat", "self_harm_threat"])
    assert high.risk_level == "critical"
    assert low.triage_due == dt.date(2026, 12, 4)
    assert high.triage_due == dt.date(2026, 12, 2)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        overdue = set(sel.filter_leads(Lead.objects.all(), {"overdue": True}))
        assert overdue == {high}
    with time_machine.travel(T0 + dt.timedelta(days=3, hours=14), tick=False):  # 12-04 23:00
        assert sel.filter_leads(Lead.objects.all(), {"overdue": True}).count() == 1
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        assert sel.filter_leads(Lead.objects.all(), {"overdue": True}).count() == 2


def test_sla_sweep_marks_overdue_leads_once(report, clerk):
    from workflows.sweep import sla_sweep

    with time_machine.travel(T0, tick=False):
        lead = report()
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        assert sla_sweep().leads_overdue == 1
        assert sla_sweep().leads_overdue == 0
    assert LeadEvent.objects.filter(lead=lead, name="overdue").count() == 1
    assert Notification.objects.filter(user=clerk, kind="overdue", message__contains=lead.number)


def test_repeat_flag_same_person_or_place_within_90_days(report, register, world):
    with time_machine.travel(T0, tick=False):
        first = report()
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        by_name = report(place="别处", people=[{"name": "王大明"}])
        by_place = report(people=[{"name": "陌生人"}])
    with time_machine.travel(T0 + dt.timedelta(days=200), tick=False):
        late = report(people=[{"name": "王大明"}], place="别处")
        case = register()
        party_name = case.parties.first().name
        of_case = report(people=[{"name": party_name}], place="另一处")
    assert first.repeat_of is None
    assert by_name.repeat_of == first and by_place.repeat_of is not None
    assert "repeat_dispute" in [r["factor"] for r in by_name.risk_reasons]
    assert late.repeat_of is None and late.repeat_case is None
    assert of_case.repeat_case == case


def _go(lead, name, actor, **data):
    return s.lead_transition(lead, name, actor=actor, version=lead.version, **data)


def test_to_case_registers_the_case_with_nothing_retyped(report, clerk, world):
    lead = report(
        channel="court", sender="青山县人民法院", sender_reference="（2026）鲁0281民诉前调1234号"
    )
    _go(lead, "to_case", clerk)
    lead.refresh_from_db()
    case = lead.case
    assert lead.status == "converted" and case.lead == lead
    assert case.organization == world["east"] and case.region == lead.region
    assert case.dispute_type == world["neighbour"] and case.source == "court_referral"
    assert case.summary.startswith("两户因排水沟堵塞争吵") and "东村一组" in case.summary
    assert [(p.role, p.name, p.phone) for p in case.parties.order_by("id")] == [
        ("applicant", "王大明", "13811112222"),
        ("respondent", "李小红", ""),
    ]
    assert case.status == "intake" and lead.triaged_at is not None
    [event] = LeadEvent.objects.filter(lead=lead, name="to_case")
    assert event.data["case"] == {"id": case.pk, "number": case.number}
    assert (event.from_status, event.to_status) == ("reported", "converted")


def test_to_case_without_a_dispute_type_or_people_says_what_is_missing(report, clerk, world):
    lead = report(dispute_type=None)
    with pytest.raises(PreconditionFailed) as exc:
        _go(lead, "to_case", clerk)
    assert "纠纷类型" in exc.value.missing
    _go(lead, "to_case", clerk, dispute_type="neighbour")
    assert lead.case.dispute_type.code == "neighbour"
    # the type chosen at conversion classifies the lead too (its row of the 排查 table)
    lead.refresh_from_db()
    assert lead.dispute_type.code == "neighbour"
    assert LeadEvent.objects.get(lead=lead, name="to_case").data["dispute_type"] == "neighbour"
    assert rollup.differences(rollup.computed(), rollup.stored()) == []
    nobody = report(people=[], people_involved=3)
    with pytest.raises(PreconditionFailed):
        _go(nobody, "to_case", clerk)
    assert Lead.objects.get(pk=nobody.pk).status == "reported" and Case.objects.count() == 1


def test_resolve_refer_watch_close(report, clerk, director, mediator):
    a, b, c, d = report(), report(), report(), report()
    with pytest.raises(PreconditionFailed):
        _go(a, "resolve_on_site", mediator, note="")
    _go(a, "resolve_on_site", mediator, note="上门劝导，双方和解")
    assert a.status == "resolved" and a.outcome_note == "上门劝导，双方和解"
    with pytest.raises(PreconditionFailed) as exc:
        _go(b, "refer", clerk, receiver="nobody", reason="", feedback_due=None)
    assert len(exc.value.missing) == 3
    due = timezone.localdate() + dt.timedelta(days=10)
    _go(b, "refer", clerk, receiver="police", reason="涉嫌违法", feedback_due=due.isoformat())
    assert (b.status, b.referral_receiver, b.feedback_due) == ("referred", "police", due)
    with pytest.raises(PreconditionFailed):
        _go(
            c,
            "watch",
            mediator,
            note="观察",
            next_check_on=timezone.localdate() + dt.timedelta(days=31),
        )
    _go(
        c,
        "watch",
        mediator,
        note="观察",
        next_check_on=timezone.localdate() + dt.timedelta(days=30),
    )
    assert c.status == "watching" and c.version == 1
    with pytest.raises(InvalidState):
        _go(
            c,
            "watch",
            mediator,
            note="再观察",
            next_check_on=timezone.localdate() + dt.timedelta(days=3),
        )
    _go(c, "close", director, note="核实无纠纷")
    assert c.status == "closed"
    _go(d, "close", clerk, note="误报")
    with pytest.raises(InvalidState):
        _go(d, "to_case", clerk)
    assert [e.name for e in LeadEvent.objects.filter(lead=c)] == ["report", "watch", "close"]


def test_a_watching_lead_is_due_on_its_check_date(report, clerk):
    with time_machine.travel(T0, tick=False):
        lead = report()
        _go(lead, "watch", clerk, note="观察", next_check_on=dt.date(2026, 12, 20))
    with time_machine.travel(T0 + dt.timedelta(days=18), tick=False):
        assert not sel.is_overdue(lead)
    with time_machine.travel(T0 + dt.timedelta(days=20), tick=False):
        assert sel.is_overdue(lead)
        assert sel.filter_leads(Lead.objects.all(), {"overdue": True}).get() == lead


def test_scope_404_and_role_403(report, grid, grid_b, outsider, supervisor, mediator, clerk):
    lead = report()
    with pytest.raises(NotFound):
        _go(lead, "close", outsider, note="x")
    with pytest.raises(NotFound):
        _go(lead, "close", grid_b, note="x")
    with pytest.raises(PermissionDenied):
        _go(lead, "close", grid, note="x")  # the reporter follows, does not triage
    with pytest.raises(PermissionDenied):
        _go(lead, "close", supervisor, note="x")
    with pytest.raises(PermissionDenied):
        _go(lead, "to_case", mediator)
    with pytest.raises(NotFound):
        _go(lead, "no_such", clerk)
    assert LeadEvent.objects.filter(lead=lead).count() == 1


def test_a_stale_version_is_a_conflict(report, clerk, director):
    lead = report()
    stale = Lead.objects.get(pk=lead.pk)
    _go(
        lead, "watch", clerk, note="观察", next_check_on=timezone.localdate() + dt.timedelta(days=3)
    )
    with pytest.raises(Conflict):
        s.lead_transition(stale, "close", actor=director, version=0, note="核实")
    assert Lead.objects.get(pk=lead.pk).status == "watching"


def test_unknown_arguments_are_bad_input(report, clerk):
    with pytest.raises(InvalidInput):
        _go(report(), "close", clerk, note="x", colour="red")


def test_visibility(report, grid, grid_b, clerk, mediator, supervisor, outsider, admin_user, world):
    mine = report()
    by_clerk = report(actor=clerk, region=world["east_village"])
    west = report(actor=grid_b, region=grid_b.memberships.get().region)
    assert set(Lead.objects.visible_to(grid)) == {mine}
    assert set(Lead.objects.visible_to(clerk)) == {mine, by_clerk}
    assert set(Lead.objects.visible_to(mediator)) == {mine, by_clerk}
    assert set(Lead.objects.visible_to(supervisor)) == {mine, by_clerk}
    assert set(Lead.objects.visible_to(outsider)) == {west}
    assert set(Lead.objects.visible_to(admin_user)) == {mine, by_clerk, west}
    assert Case.objects.visible_to(grid).count() == 0


def test_grid_workers_see_no_case(register, grid):
    register()
    assert not Case.objects.visible_to(grid).exists()


def test_photos_private_at_most_five(report, grid, grid_b, clerk):
    lead = report()
    photo = s.lead_photo_add(lead, actor=grid, data=jpeg())
    assert photo.content_type == "image/jpeg" and photo.size == len(photo.file.read())
    assert photo.file.name.startswith(f"leads/{lead.pk}/")
    for _ in range(4):
        s.lead_photo_add(lead, actor=clerk, data=jpeg())
    with pytest.raises(InvalidInput):
        s.lead_photo_add(lead, actor=grid, data=jpeg())
    with pytest.raises(NotFound):
        s.lead_photo_add(report(), actor=grid_b, data=jpeg())
    with pytest.raises(InvalidInput):
        s.lead_photo_add(report(), actor=grid, data=b"GIF89a not a photo")
    assert LeadPhoto.objects.filter(lead=lead).count() == 5


def test_allowed_transitions_by_role(report, clerk, director, mediator, grid, supervisor):
    lead = report()
    assert sel.allowed_lead_transitions(lead, clerk) == ["to_case", "refer", "watch", "close"]
    assert sel.allowed_lead_transitions(lead, director) == list(
        ["to_case", "resolve_on_site", "refer", "watch", "close"]
    )
    assert sel.allowed_lead_transitions(lead, mediator) == ["resolve_on_site", "watch"]
    assert sel.allowed_lead_transitions(lead, grid) == []
    assert sel.allowed_lead_transitions(lead, supervisor) == []
