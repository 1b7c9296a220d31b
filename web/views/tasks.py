"""My tasks (viewflow tasks, scoped by the project's rule), one task's page, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from cases import scope
from cases.models import Case
from documents.models import Document
from portal import applications
from web import actions
from workflows import deadlines, flows, selectors
from workflows.models import Notification


@login_required
def task_list(request):
    """Open tasks this user may work on, overdue first, then due soon, then by deadline —
    which is simply the cases' deadlines in ascending order (only open cases have tasks)."""
    tasks = (
        flows.tasks_for(request.user)
        .select_related(
            "process__mediationprocess__case__organization",
            "process__mediationprocess__case__dispute_type",
        )
        .order_by(F("process__mediationprocess__case__deadline").asc(nulls_last=True), "created")
    )
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    cases = [task.process.mediationprocess.case for task in page]
    # Badges for the page in one query, from the same rule as the case list (no query per row).
    states = {
        pk: "overdue" if overdue else "due_soon" if soon else ""
        for pk, overdue, soon in selectors.cases_for(request.user)
        .filter(pk__in=[c.pk for c in cases])
        .values_list("pk", "is_overdue", "is_due_soon")
    }
    page.object_list = [
        {
            "task": task,
            "title": flows.NODE_TITLES.get(flows.node_name(task), ""),
            "case": case,
            "deadline_state": states.get(case.pk, ""),
        }
        for task, case in zip(page, cases, strict=True)
    ]
    # 网上申请 waiting for this clerk's committee (SPEC §14), before the case tasks: each has
    # the 3-day intake term.
    pending = list(applications.pending_for_handler(request.user)[:50])
    context = {
        "page": page,
        "count": page.paginator.count + len(pending),
        "applications": pending,
    }
    return render(request, "workflows/tasks.html", context)


@login_required
def task_page(request, pk: int):
    """One task: the case's stage and the actions that finish it. A task of a case outside
    the user's scope does not exist (404); inside scope, a task for another role is 403."""
    task = get_object_or_404(
        Task.objects.filter(
            process__mediationprocess__case__in=Case.objects.visible_to(request.user).values("pk")
        ),
        pk=pk,
    )
    case = task.process.mediationprocess.case
    if task.status not in flows.OPEN_TASK:
        messages.info(request, _("该任务已办结。"))
        return redirect("cases:detail", pk=case.pk)
    if not flows.tasks_for(request.user).filter(pk=task.pk).exists():
        raise PermissionDenied(_("该任务不由您办理。"))
    context = {
        "task": task,
        "title": flows.NODE_TITLES.get(flows.node_name(task), ""),
        "case": case,
        "deadline_state": deadlines.deadline_state(case),
        "actions": actions.available(case, request.user),
    }
    if flows.node_name(task) == "approve_closure":
        context["review"] = closure_review(case, request.user)
    return render(request, "workflows/task.html", context)


def closure_review(case: Case, user) -> dict:
    """What a director approves (结案审批): the outcome, the agreement and its terms, the
    records and the issued PDFs — on the task page, without a detour to the case page."""
    documents = Document.objects.filter(
        case=case, superseded_by__isnull=True, status=Document.Status.ISSUED
    ).order_by("code", "slot", "version")
    return {
        "outcome": case.get_outcome_display(),
        "agreement": case.current_agreement,
        "investigations": case.investigationrecords.filter(superseded_by=None).order_by(
            "conducted_at"
        ),
        "sessions": case.mediationsessions.filter(superseded_by=None).order_by("held_at"),
        "documents": list(documents),
        "pending": Document.objects.filter(case=case)
        .exclude(status__in=(Document.Status.ISSUED, Document.Status.SUPERSEDED))
        .count(),
        "can_download": scope.sees_personal_data(user, case),
    }


@login_required
def notifications(request):
    """通知, one entry per case (newest first): its latest notice, how many are unread, and the
    older ones folded under it — a mediator with many cases reads a list of cases, not of
    every notice twice. Notices without a case are one group of their own."""
    mine = Notification.objects.filter(user=request.user)
    groups = (
        mine.values("case_id")
        .annotate(
            latest=Max("created_at"),
            total=Count("pk"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
        )
        .order_by("-latest", "case_id")
    )
    page = Paginator(groups, 20).get_page(request.GET.get("page"))
    case_ids = [g["case_id"] for g in page]
    items: dict[int | None, list[Notification]] = {cid: [] for cid in case_ids}
    rows = mine.select_related("case").order_by("-created_at", "-pk")
    case_filter = Q(case_id__in=[c for c in case_ids if c is not None])
    if None in items:
        case_filter |= Q(case__isnull=True)
    for n in rows.filter(case_filter):
        items[n.case_id].append(n)
    for group in page:
        notices = items[group["case_id"]]
        group["first"], group["older"] = notices[0], notices[1:]
    return render(request, "workflows/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("已全部标为已读。"))
    return redirect("workflows:notifications")
