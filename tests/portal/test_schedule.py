"""安排调解 (SPEC §14 调解时间地点): the assigned mediator announces the next session; the
parties get the SMS with its time and place and see it on their follow page until it has
passed; a time in the past, too far ahead, or without a place is refused, and only the case's
mediator may schedule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.errors import InvalidInput, NotFound, PermissionDenied, PreconditionFailed
from portal import follow
from workflows import services as s
from workflows.models import CaseEvent

APPLICANT = "13700000001"


@pytest.fixture
def accepted(register, walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "investigation")
    return case


def test_the_parties_are_told_and_see_it(
    accepted, mediator, outbox, django_capture_on_commit_callbacks
):
    at = timezone.localtime() + dt.timedelta(days=2)
    at = at.replace(hour=9, minute=30, second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_schedule_session(accepted, actor=mediator, held_at=at, place="村委会调解室")
    sent = [x for x in outbox.lines() if x["template"] == "session_notice"]
    assert sorted(x["phone"] for x in sent) == [APPLICANT, "13700000002"]
    assert f"{at.month}月{at.day}日09:30" in sent[0]["text"] and "村委会调解室" in sent[0]["text"]
    event = CaseEvent.objects.get(case=accepted, name="session_schedule")
    assert event.actor == mediator and event.data["session"]["place"] == "村委会调解室"
    shown = follow.view(accepted, APPLICANT)["next_session"]
    assert shown == {"held_at": at.isoformat(timespec="minutes"), "place": "村委会调解室"}
    with time_machine.travel(at + dt.timedelta(hours=1)):
        assert follow.view(accepted, APPLICANT)["next_session"] is None  # it has passed


def test_bad_times_places_and_people_are_refused(accepted, mediator, mediator2, clerk):
    soon = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput, match="须晚于现在"):
        s.case_schedule_session(
            accepted, actor=mediator, held_at=timezone.now() - dt.timedelta(hours=1), place="x"
        )
    with pytest.raises(InvalidInput, match="90天以内"):
        s.case_schedule_session(
            accepted, actor=mediator, held_at=timezone.now() + dt.timedelta(days=91), place="x"
        )
    with pytest.raises(InvalidInput, match="不是有效时间"):
        s.case_schedule_session(accepted, actor=mediator, held_at="明天上午", place="x")
    with pytest.raises(PreconditionFailed):
        s.case_schedule_session(accepted, actor=mediator, held_at=soon, place="  ")
    with pytest.raises((PermissionDenied, NotFound)):
        s.case_schedule_session(accepted, actor=clerk, held_at=soon, place="调解室")
    with pytest.raises((PermissionDenied, NotFound)):
        s.case_schedule_session(accepted, actor=mediator2, held_at=soon, place="调解室")
    assert not CaseEvent.objects.filter(name="session_schedule").exists()


def test_through_the_case_page(
    client, accepted, mediator, outbox, django_capture_on_commit_callbacks
):
    client.force_login(mediator)
    url = f"/cases/{accepted.pk}/act/session_schedule/"
    page = client.get(url)
    assert page.status_code == 200 and "安排调解时间地点" in page.content.decode()
    past = client.post(
        url, {"held_at": "2020-01-01T09:00", "place": "调解室", "version": accepted.version}
    )
    assert "须晚于现在" in past.content.decode()
    at = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"held_at": at, "place": "调解室", "version": accepted.version})
    assert done.status_code == 302
    assert [x for x in outbox.lines() if x["template"] == "session_notice"]
    assert CaseEvent.objects.filter(case=accepted, name="session_schedule").exists()
