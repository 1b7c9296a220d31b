"""The parties' SMS on the case's own changes (SPEC §14, portal/notices.py): 受理通知 on
acceptance and 回访 with the invitation to rate, to every party with a phone, after commit,
never for an imported case."""

from __future__ import annotations

from portal.models import SmsMessage
from workflows.models import CaseEvent


def _sent(outbox, template):
    return [line for line in outbox.lines() if line["template"] == template]


def test_acceptance_tells_each_party_with_the_case_code(
    register, walk, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    assert _sent(outbox, "intake_notice") == []  # registered, not yet accepted
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        walk(case, "investigation")
    assert _sent(outbox, "intake_notice") == []  # recorded, sent only after commit
    for callback in callbacks:
        callback()
    lines = _sent(outbox, "intake_notice")
    assert sorted(line["phone"] for line in lines) == ["13700000001", "13700000002"]
    text = lines[0]["text"]
    assert case.number in text and case.party_code in text and "已受理" in text
    assert f"code={case.party_code}" in text
    statuses = SmsMessage.objects.filter(template="intake_notice").values_list("status", flat=True)
    assert set(statuses) == {"sent"}


def test_a_visit_invites_the_parties_to_rate(
    register, walk, mediator, outbox, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from workflows import services as s

    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "follow_up")
    assert _sent(outbox, "follow_up") == []  # closure approved, no visit yet
    with django_capture_on_commit_callbacks(execute=True):
        s.record_add(
            case,
            "follow_up",
            actor=mediator,
            visited_at=timezone.now(),
            method="phone",
            visitee="当事人app1",
            performance="performed",
            satisfaction="satisfied",
        )
    lines = _sent(outbox, "follow_up")
    assert sorted(line["phone"] for line in lines) == ["13700000001", "13700000002"]
    assert "评价" in lines[0]["text"] and case.party_code in lines[0]["text"]


def test_no_notice_for_an_imported_case(
    register, clerk, mediator, outbox, django_capture_on_commit_callbacks
):
    from workflows import services as s

    case = register()
    CaseEvent.objects.filter(case=case).update(data={"imported": True, "source_row": 2})
    with django_capture_on_commit_callbacks(execute=True):
        s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
    assert _sent(outbox, "intake_notice") == []
    assert not SmsMessage.objects.filter(template="intake_notice").exists()
