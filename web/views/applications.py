"""网上申请 for the committee (SPEC §14): one page per application, with 登记 (the case starts
with the applicant's data, nothing retyped) and 不予受理 (with a reason the applicant gets by
SMS). Listed in 我的待办 (web/views/tasks.py). Outside the committee's reach an application
does not exist (404); a mediator or a supervisor may not act on it (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core import errors
from core.net import client_ip
from portal import applications
from portal.models import Application


def _application(request, pk: int, label: str) -> Application:
    application = get_object_or_404(applications.applications_for(request.user), pk=pk)
    try:
        applications.check_handler(request.user, application, label)
    except errors.NotFound as exc:
        raise Http404(exc.message) from None
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from None
    return application


def _page(request, application: Application, *, reason: str = "", error: str = "", status=200):
    context = {"application": application, "reason": reason, "error": error}
    return render(request, "applications/detail.html", context, status=status)


@login_required
def detail(request, pk: int):
    return _page(request, _application(request, pk, "查看网上申请"))


@login_required
@require_POST
def register(request, pk: int):
    application = _application(request, pk, "登记")
    try:
        case = applications.application_register(
            application, actor=request.user, ip=client_ip(request)
        )
    except errors.DomainError as refused:
        return _page(request, application, error=str(refused.message), status=400)
    messages.success(request, f"已登记为案件 {case.number}，已短信通知申请人。")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_http_methods(["POST"])
def decline(request, pk: int):
    application = _application(request, pk, "不予受理")
    reason = str(request.POST.get("reason") or "").strip()
    try:
        applications.application_decline(application, actor=request.user, reason=reason)
    except errors.DomainError as refused:
        return _page(request, application, reason=reason, error=str(refused.message), status=400)
    messages.success(request, "已不予受理，已短信告知申请人理由。")
    return redirect("workflows:tasks")
