from django.contrib import admin

from workflows.models import CaseEvent, Notification


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    """Append-only: visible to admins, never editable."""

    list_display = ["at", "case", "name", "from_status", "to_status", "actor", "ip"]
    list_filter = ["kind", "name"]
    search_fields = ["case__number", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "message", "read_at"]
    list_filter = ["kind"]
