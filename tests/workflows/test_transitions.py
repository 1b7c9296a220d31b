"""Every transition of SPEC §4: allowed path, each guard failing with its message, wrong role →
PermissionDenied (403), out of scope → NotFound (404), wrong state → InvalidState (409)."""

from __future__ import annotations

import datetime as dt

import pytest
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
from documents.models import Document
from tests.factories import party
from workflows import services as s
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db


def codes(case):
    return sorted(Document.objects.filter(case=case).values_list("code", flat=True))


def agreement_data(**overrides):
    return {
        "kind": "written",
        "terms": ["支付五千元"],
        "performance_method": "转账",
        "performance_deadline": timezone.localdate() + dt.timedelta(days=10),
        "amount": 5000,
        "signatures_complete": True,
    } | overrides


class TestRegister:
    def test_numbers_status_event_and_app(
        self, register, clerk, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            case = register()
        assert case.status == "intake"
        assert case.number == f"（{timezone.localdate().year}）东村调委人调字第0001号"
        assert register().number.endswith("第0002号")
        event = case.events.get()
        assert (event.name, event.actor, event.to_status) == ("register", clerk, "intake")
        assert codes(case) == ["APP"]
        assert Document.objects.get(case=case).status == "issued"
        assert case.deadline == timezone.localdate() + dt.timedelta(days=3)

    def test_guard_lists_everything_missing(self, register):
        with pytest.raises(PreconditionFailed) as exc:
            register(summary=" ", dispute_type=None, parties=[party("respondent", 2)])
        assert exc.value.missing == ["纠纷类型", "纠纷简要情况", "至少一名申请人"]
        assert not Case.objects.exists()

    def test_bad_id_number_is_a_field_error_and_nothing_saved(self, register):
        bad = party("applicant", 1, id_number="110105197005010010")
        with pytest.raises(InvalidInput) as exc:
            register(parties=[bad])
        assert "身份证号" in exc.value.fields["id_number"][0]
        assert not Case.objects.exists()

    def test_mediator_may_not_register(self, register, mediator):
        with pytest.raises(PermissionDenied):
            register(actor=mediator)

    def test_outsider_cannot_register_for_our_committee(self, register, outsider):
        with pytest.raises(NotFound):
            register(actor=outsider)


class TestAccept:
    def test_allowed(self, register, clerk, mediator):
        case = register()
        s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
        assert case.status == "investigation"
        assert list(case.mediators.all()) == [mediator]
        assert codes(case) == ["APP", "NOT", "REG"]
        assert case.deadline == timezone.localdate() + dt.timedelta(days=30)
        assert mediator.notifications.filter(kind="task_assigned").count() == 1

    def test_guards(self, register, clerk):
        case = register(parties=[party("applicant", 1)])
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(case, "accept", actor=clerk)
        assert exc.value.missing == ["至少一名被申请人", "至少指派一名调解员"]
        assert case.events.count() == 1

    def test_conflict_of_interest(self, register, clerk, mediator):
        case = register(
            parties=[party("applicant", 1, phone=mediator.profile.phone), party("respondent", 2)]
        )
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
        assert "须回避" in exc.value.missing[0]

    def test_mediator_who_is_a_party_is_refused(self, register, clerk, mediator):
        case = register(
            parties=[party("applicant", 1, name=mediator.get_full_name()), party("respondent", 2)]
        )
        with pytest.raises(PreconditionFailed, match="本人是当事人"):
            s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])

    def test_mediator_of_other_committee_is_invalid(self, register, clerk, world):
        from django.contrib.auth import get_user_model

        other = get_user_model().objects.get(username="mediator_b")
        with pytest.raises(InvalidInput):
            s.case_transition(register(), "accept", actor=clerk, mediators=[other.pk])

    def test_roles(self, register, mediator, supervisor, outsider, director):
        case = register()
        with pytest.raises(PermissionDenied, match="只能由"):
            s.case_transition(case, "accept", actor=mediator, mediators=[mediator.pk])
        with pytest.raises(PermissionDenied):
            s.case_transition(case, "accept", actor=supervisor, mediators=[mediator.pk])
        with pytest.raises(NotFound):
            s.case_transition(case, "accept", actor=outsider, mediators=[mediator.pk])
        s.case_transition(case, "accept", actor=director, mediators=[mediator.pk])

    def test_wrong_state(self, register, walk, clerk, mediator):
        case = walk(register(), "investigation")
        with pytest.raises(InvalidState):
            s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])


class TestDecline:
    def test_allowed_and_guard(self, register, clerk, director):
        case = register()
        with pytest.raises(PreconditionFailed, match="理由"):
            s.case_transition(case, "decline", actor=clerk, reason="  ")
        s.case_transition(case, "decline", actor=clerk, reason="不属于受理范围")
        assert (case.status, case.outcome) == ("closure", "declined")
        assert "DEC" in codes(case)
        s.case_transition(case, "approve_closure", actor=director)
        assert case.status == "archived"  # no agreement, low risk: straight to archive
        assert {"CLS", "DOS"} <= set(codes(case))


class TestMediationSteps:
    def test_start_mediation_needs_investigation(self, register, walk, mediator, mediator2):
        case = walk(register(), "investigation")
        with pytest.raises(PreconditionFailed, match="调查记录"):
            s.case_transition(case, "start_mediation", actor=mediator)
        with pytest.raises(PermissionDenied):  # a mediator of the committee, not assigned
            s.case_transition(case, "start_mediation", actor=mediator2)
        s.record_add(
            case,
            "investigation",
            actor=mediator,
            conducted_at=timezone.now(),
            place="村委会",
            interviewee="张三",
            content="了解情况",
        )
        assert codes(case).count("INV") == 1
        s.case_transition(case, "start_mediation", actor=mediator)
        assert case.status == "mediation"

    def test_record_agreement_guards(self, register, walk, mediator):
        case = walk(register(), "mediation")
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(
                case,
                "record_agreement",
                actor=mediator,
                **agreement_data(terms=[], performance_deadline=None, signatures_complete=False),
            )
        assert exc.value.missing == [
            "至少一份调解记录",
            "至少一条协议条款",
            "履行期限",
            "书面协议须当事人签名、调解员签名并加盖调委会印章",
        ]

    def test_oral_agreement_needs_no_signatures(self, register, walk, mediator):
        case = walk(register(), "mediation")
        s.record_add(
            case,
            "session",
            actor=mediator,
            held_at=timezone.now(),
            place="调解室",
            attendees="双方",
            content="陈述",
        )
        s.case_transition(
            case,
            "record_agreement",
            actor=mediator,
            **agreement_data(kind="oral", signatures_complete=False),
        )
        assert case.outcome == "agreement_oral"
        assert "ORA" in codes(case) and "MED" in codes(case)
        assert case.current_agreement.number.endswith("调协字第0001号")

    def test_failure_and_withdraw(self, register, walk, mediator, clerk):
        case = walk(register(), "mediation")
        with pytest.raises(PreconditionFailed):
            s.case_transition(case, "record_failure", actor=mediator, reason="")
        s.case_transition(case, "record_failure", actor=mediator, reason="分歧较大")
        assert (case.status, case.outcome) == ("closure", "failed")
        other = register()
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(other, "withdraw", actor=clerk, party="", reason="")
        assert exc.value.missing == ["撤回的当事人", "撤回理由"]
        s.case_transition(other, "withdraw", actor=clerk, party="申请人", reason="已和解")
        assert other.outcome == "withdrawn" and "TRM" in codes(other)

    def test_extend_deadline(self, register, walk, mediator):
        case = walk(register(), "investigation")
        before = case.deadline
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(case, "extend_deadline", actor=mediator, days=31, consent=False)
        assert exc.value.missing == ["延长天数须在1至30天之间", "双方当事人同意延长的记录"]
        s.case_transition(case, "extend_deadline", actor=mediator, days=10, consent=True)
        assert case.status == "investigation"
        assert case.deadline == before + dt.timedelta(days=10)
        assert "EXT" in codes(case)


class TestClosureAndAfter:
    def test_full_path_to_archive(self, register, walk, clerk):
        case = walk(register(), "archived")
        assert case.status == "archived"
        assert [e.name for e in case.events.all()] == [
            "register",
            "accept",
            "investigation_add",
            "start_mediation",
            "session_add",
            "record_agreement",
            "approve_closure",
            "follow_up_add",
            "archive",
        ]
        assert set(codes(case)) == {"APP", "REG", "NOT", "INV", "MED", "AGR", "CLS", "FUV", "DOS"}

    def test_approve_closure_only_director(self, register, walk, clerk, mediator):
        case = walk(register(), "closure")
        for user in (clerk, mediator):
            with pytest.raises(PermissionDenied):
                s.case_transition(case, "approve_closure", actor=user)

    def test_agreement_goes_to_follow_up(self, register, walk):
        case = walk(register(), "follow_up")
        agreement = case.current_agreement
        assert case.status == "follow_up"
        assert case.deadline == agreement.performance_deadline + dt.timedelta(days=15)

    def test_archive_guard(self, register, walk, clerk):
        case = walk(register(), "follow_up")
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(case, "archive", actor=clerk)
        assert exc.value.missing == ["至少一次回访记录"]

    def test_archive_guard_lists_failed_documents(self, register, walk, clerk, mediator):
        case = walk(register(), "follow_up")
        s.record_add(
            case,
            "follow_up",
            actor=mediator,
            visited_at=timezone.now(),
            method="visit",
            visitee="张三",
            performance="performed",
            satisfaction="satisfied",
        )
        Document.objects.filter(case=case, code="AGR").update(status="failed")
        with pytest.raises(PreconditionFailed, match="缺少文书：人民调解协议书"):
            s.case_transition(case, "archive", actor=clerk)

    def test_reopen(self, register, walk, director, mediator):
        case = walk(register(), "follow_up")
        with pytest.raises(PreconditionFailed) as exc:
            s.case_transition(case, "reopen", actor=director, reason="")
        assert exc.value.missing == ["重新调解的理由", "回访记录显示协议未履行或部分履行"]
        s.record_add(
            case,
            "follow_up",
            actor=mediator,
            visited_at=timezone.now(),
            method="visit",
            visitee="张三",
            performance="not_performed",
            satisfaction="unsatisfied",
        )
        s.case_transition(case, "reopen", actor=director, reason="未履行")
        assert (case.status, case.outcome) == ("mediation", "")

    def test_unknown_transition(self, register, clerk):
        with pytest.raises(NotFound):
            s.case_transition(register(), "teleport", actor=clerk)


class TestActionsAndConcurrency:
    def test_stale_copy_is_refused(self, register, clerk, mediator):
        case = register()
        stale = Case.objects.get(pk=case.pk)
        s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
        with pytest.raises(Conflict):
            s.case_transition(stale, "decline", actor=clerk, reason="x")
        assert CaseEvent.objects.filter(case=case).count() == 2

    def test_reassign_audited(self, register, walk, director, mediator2, clerk):
        case = walk(register(), "investigation")
        with pytest.raises(PermissionDenied):
            s.case_reassign(case, actor=clerk, mediators=[mediator2.pk])
        s.case_reassign(case, actor=director, mediators=[mediator2.pk], reason="工作调整")
        event = case.events.last()
        assert event.name == "reassign"
        assert event.data["changes"]["mediators"][1] == [mediator2.pk]

    def test_supervise_issues_sup(self, register, supervisor, outsider, clerk):
        case = register()
        with pytest.raises(NotFound):
            s.case_supervise(case, actor=outsider, content="请尽快办理")
        with pytest.raises(PermissionDenied):
            s.case_supervise(case, actor=clerk, content="请尽快办理")
        notice = s.case_supervise(case, actor=supervisor, content="请于三日内反馈")
        assert notice.authority == "青山县督导"
        assert "SUP" in codes(case)
        assert clerk.notifications.filter(kind="supervision").exists()

    def test_escalate_keeps_number(self, register, clerk, world):
        from tests.factories import township_committee

        township, _clerk = township_committee()
        case = register()
        number = case.number
        s.case_escalate(case, actor=clerk, organization=township, reason="涉及两村")
        case.refresh_from_db()
        assert (case.organization, case.number) == (township, number)
        assert not Case.objects.visible_to(clerk).filter(pk=case.pk).exists()

    def test_party_correct_does_not_log_personal_data(self, register, clerk):
        case = register()
        p = case.parties.first()
        s.party_correct(case, p, actor=clerk, reason="笔误", phone="13912345678")
        event = case.events.last()
        assert event.data["party"]["fields"] == ["phone"]
        assert "13912345678" not in str(event.data)
