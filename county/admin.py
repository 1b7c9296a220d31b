"""The county's settings a system administrator edits: the review maxima and thresholds, the
training minimum per county. Everything else changes through workflows.services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from cases import scope
from county.models import ReviewSettings, TrainingRequirement


class AdminOnly(admin.ModelAdmin[Model]):
    """System administrators only (a supervisor being reviewed must not set the maxima)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return scope.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return scope.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return scope.is_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return scope.is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return scope.is_admin(request.user)


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(AdminOnly):
    list_display = ["__str__", "materials", "documents", "follow_up", "excellent_from", "pass_from"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return scope.is_admin(request.user) and not ReviewSettings.objects.exists()


@admin.register(TrainingRequirement)
class TrainingRequirementAdmin(AdminOnly):
    list_display = ["region", "min_hours"]
