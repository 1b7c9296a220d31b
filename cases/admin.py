from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db.models import FileField, Model, Q
from django.http import HttpRequest

from cases import models, scope
from core.admin import ReadOnlyAdmin, ScopedAdmin


# --- scope in the admin (SPEC §12): which rows each model's admin shows to a user ---------
def _everyone(user: Any) -> Q:
    """Reference data every user may read (dispute types, deadline settings)."""
    return Q()


def _organizations(user: Any) -> Q:
    return scope.organizations_q(user)


def _of_visible_cases(user: Any) -> Q:
    return scope.case_related_q(user)


def _of_visible_organizations(user: Any) -> Q:
    q = scope.organizations_q(user)
    return Q(organization__in=models.Organization.objects.filter(q).values("pk")) if q else Q()


def _profiles(user: Any) -> Q:
    """One's own profile, and those of the people whose memberships one sees."""
    q = scope.membership_scope_q(user)
    if not q:
        return Q()
    members = models.Membership.objects.filter(q).values("user_id")
    return Q(user_id__in=members) | Q(user_id=getattr(user, "pk", None))


@admin.register(models.Region)
class RegionAdmin(ScopedAdmin[models.Region]):
    scope_rule = staticmethod(scope.visible_regions_q)
    list_display = ["full_name", "level", "path"]
    list_filter = ["level"]
    search_fields = ["name", "full_name"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: models.Region | None = None
    ) -> list[str]:
        return ["parent"] if obj else []


# --- the committee's signing certificate and its passphrase (SPEC §12) ----------------------
class _NameOnly:
    """What the certificate widget shows for the current file: its name, with no link (a
    private file has no URL, core/storage.py)."""

    url = ""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


class PrivateFileWidget(AdminFileWidget):
    def is_initial(self, value: Any) -> bool:
        return bool(value and getattr(value, "name", None))

    def format_value(self, value: Any) -> Any:
        return _NameOnly(value.name) if self.is_initial(value) else None


class OrganizationForm(forms.ModelForm[models.Organization]):
    """The certificate's passphrase is write-only: never sent back to the browser (PasswordInput
    without render_value); left empty it keeps the stored one; 清除 removes it. It is stored
    encrypted (Organization.set_signing_passphrase, core/crypto.py)."""

    passphrase = forms.CharField(
        label="证书口令",
        required=False,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="出于安全考虑，已保存的口令不会显示；留空则保持不变。",
    )
    clear_passphrase = forms.BooleanField(label="清除已保存的口令", required=False)
    # No Meta: the admin builds the form from every editable field of the model (the stored
    # passphrase is not editable) plus these two.

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # Set before the model's clean (ModelForm._post_clean), which checks the certificate
        # with the passphrase it will be saved with.
        if data.get("clear_passphrase"):
            self.instance.set_signing_passphrase("")
        elif data.get("passphrase"):
            self.instance.set_signing_passphrase(data["passphrase"])
        return data


@admin.register(models.Organization)
class OrganizationAdmin(ScopedAdmin[models.Organization]):
    scope_rule = staticmethod(_organizations)
    # The passphrase is write-only and stored encrypted (OrganizationForm below).
    form = OrganizationForm
    formfield_overrides = {FileField: {"widget": PrivateFileWidget}}
    list_display = ["name", "short_code", "region", "has_passphrase"]
    search_fields = ["name", "short_code"]

    @admin.display(description="已设口令", boolean=True)
    def has_passphrase(self, obj: models.Organization) -> bool:
        return bool(obj.signing_passphrase)


@admin.register(models.Membership)
class MembershipAdmin(ScopedAdmin[models.Membership]):
    """Every save and delete is an audited event (supervision.membership_log, via signals;
    ScopedAdmin tells them who acted)."""

    scope_rule = staticmethod(scope.membership_scope_q)
    list_display = ["user", "role", "organization", "region"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__first_name"]


class DisputeTypeInline(admin.TabularInline[models.DisputeType, models.DisputeTaxonomy]):
    model = models.DisputeType
    extra = 0


@admin.register(models.DisputeTaxonomy)
class DisputeTaxonomyAdmin(ScopedAdmin[models.DisputeTaxonomy]):
    scope_rule = staticmethod(_everyone)
    list_display = ["name", "version", "effective_from", "is_current"]
    inlines = [DisputeTypeInline]


@admin.register(models.DisputeType)
class DisputeTypeAdmin(ScopedAdmin[models.DisputeType]):
    scope_rule = staticmethod(_everyone)
    list_display = ["name", "code", "taxonomy", "order"]
    list_filter = ["taxonomy"]


@admin.register(models.DeadlineSettings)
class DeadlineSettingsAdmin(ScopedAdmin[models.DeadlineSettings]):
    scope_rule = staticmethod(_everyone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.DeadlineSettings.objects.exists()


@admin.register(models.Profile)
class ProfileAdmin(ScopedAdmin[models.Profile]):
    scope_rule = staticmethod(_profiles)
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
class CaseAdmin(ScopedAdmin[models.Case], ReadOnlyAdmin[models.Case]):
    """Read-only: changes go through the transition service (the case page or the API)."""

    scope_rule = staticmethod(scope.case_scope_q)

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


class RecordAdmin(ScopedAdmin[Model], ReadOnlyAdmin[Model]):
    scope_rule = staticmethod(_of_visible_cases)
    list_display = ["case", "created_by", "created_at"]
    search_fields = ["case__number"]


@admin.register(models.Party)
class PartyAdmin(RecordAdmin):
    list_display = ["name", "role", "case"]
    search_fields = ["name", "case__number"]


@admin.register(models.CaseCounter)
class CaseCounterAdmin(RecordAdmin):
    scope_rule = staticmethod(_of_visible_organizations)
    list_display = ["organization", "year", "kind", "last"]
    search_fields = ["organization__name"]


@admin.register(models.AgreementDraft)
class AgreementDraftAdmin(RecordAdmin):
    list_display = ["case", "status", "created_by", "created_at"]
    list_filter = ["status"]


@admin.register(models.Signature)
class SignatureAdmin(RecordAdmin):
    """签署 (SPEC §14): the evidence of each signature; the image and the paper photo stay in
    the private storage (they have no URL) and are left out here."""

    scope_rule = staticmethod(lambda user: scope.case_related_q(user, "draft__case"))
    list_display = ["draft", "party", "status", "signed_at"]
    list_filter = ["status"]
    search_fields = ["draft__case__number"]
    exclude = ["image", "photo"]


@admin.register(models.PartyRating)
class PartyRatingAdmin(RecordAdmin):
    list_display = ["case", "party", "satisfaction", "created_at"]
    list_filter = ["satisfaction"]


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
