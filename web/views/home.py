"""The home page (工作台)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cases import scope
from cases.choices import Role
from cases.models import Case
from workflows import deadlines, flows
from workflows.notify import unread_count


@login_required
def home(request):
    """One page, a section per role the user holds (SPEC §1)."""
    user = request.user
    visible = Case.objects.visible_to(user)
    roles = {m.role for m in scope.memberships(user)}
    if scope.is_admin(user):
        roles.add(Role.ADMIN)
    sections = {
        "intake": visible.filter(status="intake").count()
        if roles & {"clerk", "director"}
        else None,
        "awaiting_approval": (
            visible.filter(status="closure").count() if "director" in roles else None
        ),
        "my_cases": (
            visible.filter(mediators=user).exclude(status="archived").count()
            if "mediator" in roles or "director" in roles
            else None
        ),
        "overdue": visible.filter(deadlines.overdue_q()).count(),
        "due_soon": visible.filter(deadlines.due_soon_q()).count(),
        "high_risk": visible.filter(risk_level__in=["high", "critical"])
        .exclude(status="archived")
        .count(),
        "total": visible.count(),
        "tasks": flows.tasks_for(user).count(),
    }
    return render(
        request,
        "tiaojie/home.html",
        {
            "memberships": scope.memberships(user),
            "roles": roles,
            "sections": sections,
            "unread": unread_count(user),
            "is_supervisor": "supervisor" in roles,
            "is_admin": Role.ADMIN in roles,
        },
    )
