from typing import Any

from django.contrib import admin
from django.db.models import Q

from cases import scope
from core.admin import ReadOnlyAdmin, ScopedAdmin
from workflows.models import CaseEvent, Notification


def _notifications(user: Any) -> Q:
    """One's own notifications, and those about a case in one's scope."""
    q = scope.case_related_q(user)
    return q | Q(user_id=getattr(user, "pk", None)) if q else Q()


@admin.register(CaseEvent)
class CaseEventAdmin(ScopedAdmin[CaseEvent], ReadOnlyAdmin[CaseEvent]):
    """Append-only: visible to admins, never editable."""

    scope_rule = staticmethod(scope.case_related_q)

    list_display = ["at", "case", "name", "from_status", "to_status", "actor", "ip"]
    list_filter = ["kind", "name"]
    search_fields = ["case__number", "actor__username"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin[Notification]):
    scope_rule = staticmethod(_notifications)
    list_display = ["created_at", "user", "kind", "message", "read_at"]
    list_filter = ["kind"]
