"""The viewflow `MediationFlow`: who does what next (SPEC §4).

The Case's FSM owns the legal lifecycle; this flow owns the task list. Every human task is
"work on this case at this stage" and is finished by a case transition (or, for follow-up,
by the first visit record). Nothing here changes a case: the one service
(workflows.services) calls `sync` inside its transaction after each change, so the task that
the change finished is executed (`activation.execute()`) in the same database transaction,
whether the change came from a task page, the API, an import or a command.

    start ─► route ─┬─ intake ──────────► route      (clerk / director)
                    ├─ investigate ─────► route      (assigned mediators)
                    ├─ mediate ─────────► route      (assigned mediators)
                    ├─ approve_closure ─► route      (director)
                    ├─ follow_up ───────► route      (assigned mediators)
                    ├─ archive ─────────► route      (clerk / director)
                    └─ end                            (case archived)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from cases import scope
from cases.choices import Role, Status
from cases.models import Case
from cases.scope import ASSIGNED, Viewer
from core.i18n import official
from workflows import notify
from workflows.models import MediationProcess

OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _stage_node(case: Case) -> str:
    if case.status == Status.FOLLOW_UP:
        visited = case.followupvisits.filter(superseded_by__isnull=True).exists()
        return "archive" if visited else "follow_up"
    return {
        Status.INTAKE: "intake",
        Status.INVESTIGATION: "investigate",
        Status.MEDIATION: "mediate",
        Status.CLOSURE: "approve_closure",
        Status.ARCHIVED: "end",
    }.get(case.status, "end")


class TaskPageView:
    """viewflow needs a view per human node. Ours is the web app's task page under
    /tasks/<id>/ with the project's scope rule (viewflow's own pages are not scoped per
    object, STACK.md), so the flow's URLs are never mounted; should one be, it redirects
    there by URL name (the flow knows no page)."""

    @classmethod
    def as_view(cls, **kwargs: Any) -> Callable[..., HttpResponseBase]:
        def view(request: HttpRequest, task_pk: int, **rest: Any) -> HttpResponseBase:
            return redirect("workflows:task", pk=task_pk)

        return view


def _route_to(name: str) -> Callable[[Any], bool]:
    return lambda activation: _stage_node(activation.process.case) == name


class MediationFlow(flow.Flow):  # type: ignore[misc]  # viewflow has no type information
    process_class = MediationProcess
    process_title = "人民调解"
    process_description = "受理 → 调查 → 调解 → 结案 → 回访 → 归档"

    start = flow.StartHandle(this.start_case).Next(this.route)

    route = (
        flow.Switch()
        .Case(this.intake, _route_to("intake"))
        .Case(this.investigate, _route_to("investigate"))
        .Case(this.mediate, _route_to("mediate"))
        .Case(this.approve_closure, _route_to("approve_closure"))
        .Case(this.follow_up, _route_to("follow_up"))
        .Case(this.archive, _route_to("archive"))
        .Default(this.end)
    )

    intake = flow.View(TaskPageView).Annotation(title="受理审查").Next(this.route)
    investigate = flow.View(TaskPageView).Annotation(title="调查").Next(this.route)
    mediate = flow.View(TaskPageView).Annotation(title="调解").Next(this.route)
    approve_closure = flow.View(TaskPageView).Annotation(title="结案审批").Next(this.route)
    follow_up = flow.View(TaskPageView).Annotation(title="回访").Next(this.route)
    archive = flow.View(TaskPageView).Annotation(title="归档").Next(this.route)

    end = flow.End()

    def start_case(self, activation: Any, case: Case) -> MediationProcess:
        process: MediationProcess = activation.process
        process.case = case
        process.save()
        return process


# Who may work on each node's task: the roles of SPEC §4, per task (cases.scope's vocabulary).
NODE_ROLES: dict[str, frozenset[str]] = {
    "intake": frozenset({Role.CLERK, Role.DIRECTOR}),
    "investigate": frozenset({ASSIGNED}),
    "mediate": frozenset({ASSIGNED}),
    "approve_closure": frozenset({Role.DIRECTOR}),
    "follow_up": frozenset({ASSIGNED}),
    "archive": frozenset({Role.CLERK, Role.DIRECTOR}),
}
NODE_TITLES = {
    "intake": _("受理审查"),
    "investigate": _("调查"),
    "mediate": _("调解"),
    "approve_closure": _("结案审批"),
    "follow_up": _("回访"),
    "archive": _("归档"),
}


def node_name(task: Task) -> str:
    name: str = task.flow_task.name
    return name


def open_task(case: Case) -> Task | None:
    return (
        Task.objects.filter(process__mediationprocess__case=case, status__in=OPEN_TASK)
        .order_by("-created")
        .first()
    )


def _execute(task: Task, actor: User | None) -> None:
    """Finish a human task the way its page would: assign, start, execute (which creates
    the route gateway and, through it, the next task)."""
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(actor)
    if task.status == STATUS.ASSIGNED:
        activation.start(None)
    activation.execute()


def sync(case: Case, actor: User | None = None, *, announce: bool = True) -> None:
    """Bring the flow in line with the case, inside the caller's transaction: start the
    process for a new case; when the case has left the stage of its open task, execute that
    task so the route creates the next one and tell its people (not for imported past
    cases: `announce=False`); never touch the case."""
    process = MediationProcess.objects.filter(case=case).first()
    if process is None:
        MediationFlow.start.run(case=case)
        return
    if process.status != PROCESS.NEW:
        return
    task = open_task(case)
    wanted = _stage_node(case)
    if task is not None and node_name(task) == wanted:
        return
    if task is not None:
        _execute(task, actor)
        if announce and wanted != "end":
            _announce(case, wanted, actor)
    elif wanted != "end":  # lost its task (e.g. cancelled by hand): the check reports it
        return
    process.refresh_from_db()
    if process.status == PROCESS.NEW and wanted == "end":
        process.status = PROCESS.DONE
        process.finished = timezone.now()
        process.save(update_fields=["status", "finished"])


def _announce(case: Case, node: str, actor: User | None) -> None:
    """Tell the people who now have a task on the case (not the one who just acted). The
    mediators' first task is announced by `accept` itself ("您被指派为承办调解员")."""
    if node == "investigate":
        return
    roles = NODE_ROLES[node]
    users = list(case.mediators.all()) if ASSIGNED in roles else []
    org_roles = tuple(r for r in roles if r != ASSIGNED)
    if org_roles:
        users += list(notify.committee(case, org_roles))
    with official():
        title = str(NODE_TITLES[node])
    notify.task_opened(case, title, [u for u in users if u != actor])


def tasks_for(user: Viewer) -> QuerySet[Task]:
    """Open tasks this user may work on: the project's scope rule first, then the node's
    roles. Supervisors have none (they read, they do not act)."""
    if not getattr(user, "is_authenticated", False):
        none: QuerySet[Task] = Task.objects.none()  # viewflow's models are untyped
        return none
    base: QuerySet[Task] = Task.objects.filter(
        scope.case_scope_q(user, via="process__mediationprocess__case"), status__in=OPEN_TASK
    )
    if scope.is_admin(user):
        return base
    org_roles = scope.organizations_by_role(user)  # a director acts as a clerk (scope.IMPLIES)
    # an assigned mediator or director acts as ASSIGNED (scope.effective_roles); nobody else does
    assignable = any(m.role in scope.ASSIGNABLE for m in scope.memberships(user))
    assigned_nodes = []
    by_orgs: dict[frozenset[int], list[Any]] = {}  # nodes grouped by the committees they open to
    for node, roles in NODE_ROLES.items():
        ref = getattr(MediationFlow, node)
        if ASSIGNED in roles and assignable:
            assigned_nodes.append(ref)
        orgs = frozenset().union(*(org_roles.get(r, set()) for r in roles if r != ASSIGNED))
        if orgs:
            by_orgs.setdefault(orgs, []).append(ref)
    # Few arms: PostgreSQL proves the cases' partial indexes against every arm when it plans,
    # which for one arm per node cost ~7 ms of planning per count (bench/bench_requests.py).
    parts = Q(pk__in=[])
    if assigned_nodes:
        parts |= Q(flow_task__in=assigned_nodes, process__mediationprocess__case__mediators=user)
    for orgs, refs in by_orgs.items():
        parts |= Q(flow_task__in=refs, process__mediationprocess__case__organization_id__in=orgs)
    found = base.filter(parts)
    return found.distinct() if assigned_nodes else found  # the mediators' join repeats rows


def check(cases: QuerySet[Case] | None = None) -> list[tuple[int, str]]:
    """Consistency between cases and their processes: [(case id, problem)]."""
    problems: list[tuple[int, str]] = []
    qs = cases if cases is not None else Case.objects.exclude(status=Status.NEW)
    for case in qs.iterator():
        process = MediationProcess.objects.filter(case=case).first()
        if process is None:
            problems.append((case.pk, "没有流程实例"))
            continue
        tasks = list(
            Task.objects.filter(process=process, status__in=OPEN_TASK).values_list(
                "flow_task", flat=True
            )
        )
        wanted = _stage_node(case)
        if wanted == "end":
            if tasks:
                problems.append((case.pk, f"案件已归档，但仍有待办任务 {tasks}"))
            elif process.status != PROCESS.DONE:
                problems.append((case.pk, f"案件已归档，流程状态为 {process.status}"))
        elif len(tasks) != 1:
            problems.append((case.pk, f"应有 1 个待办任务（{wanted}），实际 {len(tasks)} 个"))
        elif tasks[0].name != wanted:
            problems.append((case.pk, f"待办任务为 {tasks[0].name}，案件阶段要求 {wanted}"))
    return problems


def repair(case: Case, actor: User | None = None) -> None:
    """Cancel the open tasks and put the flow where the case is (used by `flow_check --repair`
    after a manual undo/cancel in viewflow)."""
    process = MediationProcess.objects.filter(case=case).first()
    if process is None:
        sync(case, actor)
        return
    now = timezone.now()
    Task.objects.filter(process=process, status__in=OPEN_TASK).update(
        status=STATUS.CANCELED, finished=now
    )
    wanted = _stage_node(case)
    if wanted == "end":
        process.status, process.finished = PROCESS.DONE, now
        process.save(update_fields=["status", "finished"])
        return
    process.status, process.finished = PROCESS.NEW, None
    process.save(update_fields=["status", "finished"])
    node = getattr(MediationFlow, wanted)
    Task.objects.create(
        process=process, flow_task=node, flow_task_type=node.task_type, status=STATUS.NEW
    )
