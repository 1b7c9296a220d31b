from django.contrib import admin

from cases import scope
from core.admin import ReadOnlyAdmin, ScopedAdmin
from supervision import access_log, membership_log
from supervision.models import AccessRecord, MembershipEvent, RankingWeights


@admin.register(RankingWeights)
class RankingWeightsAdmin(admin.ModelAdmin):
    """One row, and only system administrators may change it (a supervisor being ranked must
    not set the weights, even with staff access)."""

    list_display = ["__str__", "success", "timeliness", "follow_up", "satisfaction", "review"]

    def has_module_permission(self, request):
        return scope.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return scope.is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return scope.is_admin(request.user)

    def has_add_permission(self, request):
        return scope.is_admin(request.user) and not RankingWeights.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(ScopedAdmin[AccessRecord], ReadOnlyAdmin[AccessRecord]):
    """Append-only (SPEC §11): visible to admins, never added, changed or deleted — also not
    by a superuser (ReadOnlyAdmin refuses all three; the model refuses them as well). Others
    see what the 访问记录 page shows them (supervision.access_log.scope_q)."""

    scope_rule = staticmethod(access_log.scope_q)

    list_display = ["at", "user", "kind", "case", "cases_count", "detail", "ip"]
    list_filter = ["kind"]
    search_fields = ["case__number", "user__username", "detail"]
    date_hierarchy = "at"
    list_select_related = ["user", "case"]
    actions = None


@admin.register(MembershipEvent)
class MembershipEventAdmin(ScopedAdmin[MembershipEvent], ReadOnlyAdmin[MembershipEvent]):
    """Append-only (SPEC §12): membership changes, never added, changed or deleted here (the
    model refuses them as well); a user sees the events of the memberships in their scope."""

    scope_rule = staticmethod(membership_log.scope_q)
    list_display = [
        "at",
        "action",
        "username",
        "role",
        "organization_name",
        "region_name",
        "actor_username",
        "source",
        "ip",
    ]
    list_filter = ["action", "role", "source"]
    search_fields = ["username", "actor_username", "organization_name", "region_name"]
    date_hierarchy = "at"
    actions = None
