from django.contrib import admin

from cases import scope
from supervision.models import RankingWeights


@admin.register(RankingWeights)
class RankingWeightsAdmin(admin.ModelAdmin):
    """One row, and only system administrators may change it (a supervisor being ranked must
    not set the weights, even with staff access)."""

    list_display = ["__str__", "success", "timeliness", "follow_up", "satisfaction"]

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
