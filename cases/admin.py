from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Field, Model
from django.forms import Field as FormField
from django.http import HttpRequest

from cases import models
from core.admin import ReadOnlyAdmin


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin[models.Region]):
    list_display = ["full_name", "level", "path"]
    list_filter = ["level"]
    search_fields = ["name", "full_name"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: models.Region | None = None
    ) -> list[str]:
        return ["parent"] if obj else []


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin[models.Organization]):
    list_display = ["name", "short_code", "region"]
    search_fields = ["name", "short_code"]

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> FormField | None:
        # The certificate's passphrase is not shown on screen (kept when the form is saved).
        if db_field.name == "signing_passphrase":
            kwargs["widget"] = forms.PasswordInput(render_value=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin[models.Membership]):
    list_display = ["user", "role", "organization", "region"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__first_name"]


class DisputeTypeInline(admin.TabularInline[models.DisputeType, models.DisputeTaxonomy]):
    model = models.DisputeType
    extra = 0


@admin.register(models.DisputeTaxonomy)
class DisputeTaxonomyAdmin(admin.ModelAdmin[models.DisputeTaxonomy]):
    list_display = ["name", "version", "effective_from", "is_current"]
    inlines = [DisputeTypeInline]


@admin.register(models.DisputeType)
class DisputeTypeAdmin(admin.ModelAdmin[models.DisputeType]):
    list_display = ["name", "code", "taxonomy", "order"]
    list_filter = ["taxonomy"]


@admin.register(models.DeadlineSettings)
class DeadlineSettingsAdmin(admin.ModelAdmin[models.DeadlineSettings]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.DeadlineSettings.objects.exists()


@admin.register(models.Profile)
class ProfileAdmin(admin.ModelAdmin[models.Profile]):
    list_display = ["user", "phone"]


class ReadOnlyInline(admin.TabularInline[Model, models.Case]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PartyInline(ReadOnlyInline):
    model = models.Party


@admin.register(models.Case)
class CaseAdmin(ReadOnlyAdmin[models.Case]):
    """Read-only: changes go through the transition service (the case page or the API)."""

    list_display = [
        "number",
        "organization",
        "dispute_type",
        "status",
        "outcome",
        "risk_level",
        "deadline",
        "registered_at",
    ]
    list_filter = ["status", "outcome", "risk_level", "organization", "dispute_type"]
    search_fields = ["number", "parties__name"]
    inlines = [PartyInline]


class RecordAdmin(ReadOnlyAdmin[Model]):
    list_display = ["case", "created_by", "created_at"]
    search_fields = ["case__number"]


@admin.register(models.Party)
class PartyAdmin(RecordAdmin):
    list_display = ["name", "role", "case"]
    search_fields = ["name", "case__number"]


@admin.register(models.CaseCounter)
class CaseCounterAdmin(RecordAdmin):
    list_display = ["organization", "year", "kind", "last"]
    search_fields = ["organization__name"]


for _model in (
    models.InvestigationRecord,
    models.MediationSession,
    models.Agreement,
    models.FollowUpVisit,
    models.JudicialConfirmation,
    models.DeadlineExtension,
    models.SupervisionNotice,
):
    admin.site.register(_model, RecordAdmin)
