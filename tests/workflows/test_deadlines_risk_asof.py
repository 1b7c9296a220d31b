"""SPEC §6 deadlines and risk, and the "as of" view, with the clock frozen (time-machine)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from cases.models import Case, DeadlineSettings
from tests.factories import party
from workflows import services as s
from workflows.asof import case_as_of
from workflows.deadlines import deadline_state, due_soon_q, overdue_q
from workflows.models import CaseEvent, Notification

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def test_intake_deadline_due_soon_and_overdue(register):
    with time_machine.travel(T0, tick=False):
        case = register()
    assert case.deadline == dt.date(2026, 3, 5)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert deadline_state(case) == "due_soon"
        assert Case.objects.filter(due_soon_q()).count() == 1
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        assert deadline_state(case) == "overdue"
        assert list(Case.objects.filter(overdue_q())) == [case]


def test_shanghai_midnight_counts_as_the_next_day(register):
    # 2026-03-05 16:30 UTC is 2026-03-06 00:30 in Shanghai: a day past the deadline there.
    with time_machine.travel(T0, tick=False):
        case = register()
    with time_machine.travel(dt.datetime(2026, 3, 5, 16, 30, tzinfo=dt.UTC), tick=False):
        assert deadline_state(case) == "overdue"


def test_admin_deadline_settings_apply(register):
    DeadlineSettings.objects.create(intake_days=7)
    with time_machine.travel(T0, tick=False):
        assert register().deadline == dt.date(2026, 3, 9)


def test_sla_sweep_records_overdue_once_and_raises_risk(register, director, capsys):
    with time_machine.travel(T0, tick=False):
        case = register()
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        call_command("sla_sweep")
        call_command("sla_sweep")
    assert CaseEvent.objects.filter(case=case, name="overdue").count() == 1
    case.refresh_from_db()
    assert "overdue" in [r["factor"] for r in case.risk_reasons]
    assert Notification.objects.filter(case=case, kind="overdue", user=director).count() == 1
    assert "1 newly overdue" in capsys.readouterr().out


def test_risk_is_explained_and_levels(register):
    low = register()
    assert (low.risk_level, low.risk_score, low.risk_reasons) == ("low", 0, [])
    high = register(
        risk_factors=["violence_threat"], parties=[party("applicant", 11), party("respondent", 12)]
    )
    assert high.risk_level == "high"
    assert high.risk_reasons == [
        {
            "factor": "violence_threat",
            "label": "有暴力威胁（民转刑风险）",
            "points": 40,
            "source": "recorded",
        }
    ]
    critical = register(
        risk_factors=["violence_threat", "self_harm_threat"],
        amount_involved="150000",
        parties=[party("applicant", 21), party("respondent", 22)],
    )
    assert critical.risk_level == "critical"
    assert {r["factor"]: r["source"] for r in critical.risk_reasons} == {
        "violence_threat": "recorded",
        "self_harm_threat": "recorded",
        "large_amount": "automatic",
    }
    assert critical.risk_score == sum(r["points"] for r in critical.risk_reasons)


def test_high_risk_notifies_supervisors_in_scope(register, supervisor, supervisor_city, world):
    case = register(risk_factors=["violence_threat"])
    for user in (supervisor, supervisor_city):
        assert Notification.objects.filter(user=user, case=case, kind="high_risk").exists()
    from django.contrib.auth import get_user_model

    assert not Notification.objects.filter(
        user__in=get_user_model().objects.filter(username__in=["clerk_b", "mediator_b"])
    ).exists()


def test_repeat_dispute_detected(register):
    first = register()
    assert "repeat_dispute" not in [r["factor"] for r in first.risk_reasons]
    again = register()
    assert "repeat_dispute" in [r["factor"] for r in again.risk_reasons]
    stranger = register(parties=[party("applicant", 50), party("respondent", 51)])
    assert "repeat_dispute" not in [r["factor"] for r in stranger.risk_reasons]


def test_critical_requires_report(register, clerk, mediator):
    case = register(risk_factors=["violence_threat", "self_harm_threat"])
    with pytest.raises(Exception, match="报告公安机关"):
        s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
    s.case_report_risk(case, actor=clerk, reported_to="东镇派出所")
    s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
    assert case.status == "investigation"


def test_risk_change_is_in_the_event(register, clerk):
    case = register()
    s.case_reassess_risk(case, actor=clerk, factors=["violence_threat"], reason="扬言报复")
    event = case.events.last()
    assert event.name == "reassess_risk"
    assert event.data["changes"]["risk_level"] == ["low", "high"]


def test_as_of(register, walk, clerk, mediator, director):
    with time_machine.travel(T0, tick=False):
        case = register()
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        s.case_reassess_risk(case, actor=clerk, factors=["violence_threat"])
    assert case_as_of(case, T0 - dt.timedelta(hours=1)) is None
    at_reg = case_as_of(case, T0 + dt.timedelta(hours=1))
    assert (at_reg["status"], at_reg["mediators"], at_reg["risk_level"]) == ("intake", [], "low")
    day2 = case_as_of(case, T0 + dt.timedelta(days=2))
    assert (day2["status"], day2["mediators"], day2["risk_level"]) == (
        "investigation",
        [mediator.pk],
        "low",
    )
    assert case_as_of(case, T0 + dt.timedelta(days=4))["risk_level"] == "high"


def test_judicial_confirmation_window(register, walk, clerk):
    with time_machine.travel(T0, tick=False):
        case = walk(register(), "closure")
    agreement = case.current_agreement
    late = agreement.effective_on + dt.timedelta(days=31)
    with pytest.raises(Exception, match="30日内"):
        s.judicial_confirmation_add(case, actor=clerk, applied_on=late, court="青山县人民法院")
    record = s.judicial_confirmation_add(
        case,
        actor=clerk,
        applied_on=agreement.effective_on + dt.timedelta(days=30),
        court="青山县人民法院",
    )
    assert record.agreement == agreement
