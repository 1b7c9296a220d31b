"""The viewflow MediationFlow follows the case whichever path changed it (page, API,
service), task lists are scoped, and flow_check finds and repairs a hand-made mismatch."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from cases.models import Case
from core.errors import PreconditionFailed
from workflows import flows
from workflows import services as s
from workflows.models import MediationProcess

pytestmark = pytest.mark.django_db


def _visit(case, mediator, performance: str) -> None:
    from django.utils import timezone

    s.record_add(
        case,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="visit",
        visitee="甲",
        performance=performance,
        satisfaction="satisfied" if performance == "performed" else "unsatisfied",
    )


def _open(case) -> str | None:
    task = flows.open_task(case)
    return task.flow_task.name if task else None


def test_each_stage_has_its_task(register, walk):
    case = register()
    assert _open(case) == "intake"
    for stage, node in [
        ("investigation", "investigate"),
    ]:
        walk(case, stage)
        assert _open(case) == node
    assert flows.check() == []


@pytest.mark.parametrize(
    "stage,node",
    [
        ("mediation", "mediate"),
        ("closure", "approve_closure"),
        ("follow_up", "follow_up"),
        ("archived", None),
    ],
)
def test_walked_case_is_at_the_right_task(register, walk, stage, node):
    case = walk(register(), stage)
    assert _open(case) == node
    assert flows.check(Case.objects.filter(pk=case.pk)) == []
    if node is None:
        assert MediationProcess.objects.get(case=case).status == PROCESS.DONE


def test_first_visit_moves_follow_up_to_archive(register, walk, mediator):

    case = walk(register(), "follow_up")
    _visit(case, mediator, "performed")
    assert _open(case) == "archive"


def test_api_transition_advances_the_flow(client, register, clerk, mediator):
    case = register()
    client.force_login(clerk)
    r = client.post(
        f"/api/v1/cases/{case.pk}/transitions/accept/",
        {"mediators": [mediator.pk]},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert _open(case) == "investigate"
    done = Task.objects.get(
        process__mediationprocess__case=case, flow_task=flows.MediationFlow.intake
    )
    assert done.status == STATUS.DONE and done.owner == clerk


def test_failed_guard_leaves_the_task_open(register, clerk):
    case = register()
    with pytest.raises(PreconditionFailed):
        s.case_transition(case, "accept", actor=clerk, mediators=[])
    assert _open(case) == "intake"


def test_decline_then_approval_ends_the_process(register, clerk, director):
    case = register()
    s.case_transition(case, "decline", actor=clerk, reason="不属于人民调解范围")
    assert _open(case) == "approve_closure"
    s.case_transition(case, "approve_closure", actor=director, summary_of_work="不予受理")
    case.refresh_from_db()
    assert case.status == "archived" and _open(case) is None
    assert MediationProcess.objects.get(case=case).status == PROCESS.DONE


def test_reopen_goes_back_to_mediation(register, walk, director, mediator):

    case = walk(register(), "follow_up")
    _visit(case, mediator, "not_performed")
    assert _open(case) == "archive"
    s.case_transition(case, "reopen", actor=director, reason="未按期履行")
    assert _open(case) == "mediate"


class TestTaskLists:
    def test_who_sees_which_task(
        self, register, walk, clerk, director, mediator, mediator2, supervisor, outsider
    ):
        intake = register()
        mediating = walk(register(), "mediation")
        closing = walk(register(), "closure")

        def cases_of(user):
            return {t.process.mediationprocess.case_id for t in flows.tasks_for(user)}

        assert cases_of(clerk) == {intake.pk}
        assert cases_of(director) == {intake.pk, closing.pk}
        assert cases_of(mediator) == {mediating.pk}
        assert cases_of(mediator2) == set()
        assert cases_of(supervisor) == set()
        assert cases_of(outsider) == set()

    def test_escalated_case_moves_to_the_other_committee(self, register, clerk, world):
        from tests.factories import township_committee

        township, township_clerk = township_committee()
        case = register()
        s.case_escalate(case, actor=clerk, organization=township, reason="涉及两村")
        tasks = flows.tasks_for(township_clerk)
        assert {t.process.mediationprocess.case_id for t in tasks} == {case.pk}
        assert not flows.tasks_for(clerk).exists()


class TestConsistencyCheck:
    def test_cancelled_task_is_reported_and_repaired(self, register, walk, capsys):
        case = walk(register(), "mediation")
        Task.objects.filter(pk=flows.open_task(case).pk).update(status=STATUS.CANCELED)
        assert flows.check() == [(case.pk, "应有 1 个待办任务（mediate），实际 0 个")]
        with pytest.raises(SystemExit):
            call_command("flow_check")
        call_command("flow_check", "--repair")
        assert "已修复 1 件" in capsys.readouterr().out
        assert flows.check() == [] and _open(case) == "mediate"

    def test_wrong_task_is_reported(self, register, walk):
        case = walk(register(), "investigation")
        task = flows.open_task(case)
        Task.objects.filter(pk=task.pk).update(flow_task=flows.MediationFlow.mediate)
        assert flows.check() == [(case.pk, "待办任务为 mediate，案件阶段要求 investigate")]
        flows.repair(case)
        assert flows.check() == []

    def test_case_without_process(self, register, capsys):
        case = register()
        MediationProcess.objects.get(case=case).delete()
        assert flows.check() == [(case.pk, "没有流程实例")]
        call_command("flow_check", "--repair")
        assert flows.check() == [] and _open(case) == "intake"


class TestTaskNotifications:
    def test_the_next_people_hear_of_their_task(self, register, walk, clerk, director, mediator):
        from workflows.models import Notification

        case = walk(register(), "closure")
        assert Notification.objects.filter(
            user=director, case=case, message__contains="结案审批"
        ).exists()
        assert not Notification.objects.filter(user=mediator, message__contains="结案审批").exists()
        s.case_transition(case, "approve_closure", actor=director)
        assert Notification.objects.filter(user=mediator, message__contains="“回访”").exists()
        assert not Notification.objects.filter(user=director, message__contains="“回访”").exists()

    def test_escalation_tells_the_other_committee(self, register, clerk, world):
        from tests.factories import township_committee
        from workflows.models import Notification

        township, township_clerk = township_committee()
        case = register()
        s.case_escalate(case, actor=clerk, organization=township, reason="涉及两村")
        note = Notification.objects.get(user=township_clerk, case=case)
        assert "上报至本调委会" in note.message and "东村人民调解委员会" in note.message
