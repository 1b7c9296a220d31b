from django.contrib import admin

from core.admin import ReadOnlyAdmin
from workflows.models import CaseEvent, Notification


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin[CaseEvent]):
    """Append-only: visible to admins, never editable."""

    list_display = ["at", "case", "name", "from_status", "to_status", "actor", "ip"]
    list_filter = ["kind", "name"]
    search_fields = ["case__number", "actor__username"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "user", "kind", "message", "read_at"]
    list_filter = ["kind"]
