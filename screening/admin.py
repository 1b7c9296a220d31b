"""排查 in the Django admin: read-only (every change goes through workflows.services), scoped as
the pages are (screening/scope.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q

from core.admin import ReadOnlyAdmin, ScopedAdmin
from screening.models import Lead, LeadEvent, LeadPerson, LeadPhoto, Sweep, SweepReport
from screening.scope import lead_scope_q, sweep_scope_q


def _lead_related(user: Any) -> Q:
    q = lead_scope_q(user)
    return Q(lead__in=Lead.objects.filter(q).values("pk")) if q else Q()


def _sweep_related(user: Any) -> Q:
    q = sweep_scope_q(user)
    return Q(sweep__in=Sweep.objects.filter(q).values("pk")) if q else Q()


@admin.register(Lead)
class LeadAdmin(ScopedAdmin[Lead], ReadOnlyAdmin[Lead]):
    scope_rule = staticmethod(lead_scope_q)
    list_display = ["number", "organization", "region", "channel", "status", "risk_level"]
    list_filter = ["status", "channel", "risk_level"]
    search_fields = ["number", "place"]
    date_hierarchy = "reported_at"


@admin.register(LeadPerson)
class LeadPersonAdmin(ScopedAdmin[LeadPerson], ReadOnlyAdmin[LeadPerson]):
    scope_rule = staticmethod(_lead_related)
    list_display = ["lead", "name", "role"]


@admin.register(LeadPhoto)
class LeadPhotoAdmin(ScopedAdmin[LeadPhoto], ReadOnlyAdmin[LeadPhoto]):
    scope_rule = staticmethod(_lead_related)
    list_display = ["lead", "content_type", "size", "uploaded_at"]
    exclude = ["file"]  # a private file has no address the admin could link to


@admin.register(LeadEvent)
class LeadEventAdmin(ScopedAdmin[LeadEvent], ReadOnlyAdmin[LeadEvent]):
    """Append-only."""

    scope_rule = staticmethod(_lead_related)
    list_display = ["at", "lead", "name", "from_status", "to_status", "actor"]
    list_filter = ["name"]


@admin.register(Sweep)
class SweepAdmin(ScopedAdmin[Sweep], ReadOnlyAdmin[Sweep]):
    scope_rule = staticmethod(sweep_scope_q)
    list_display = ["name", "region", "starts_on", "ends_on", "opened_by"]


@admin.register(SweepReport)
class SweepReportAdmin(ScopedAdmin[SweepReport], ReadOnlyAdmin[SweepReport]):
    scope_rule = staticmethod(_sweep_related)
    list_display = ["sweep", "region", "zero", "by", "at"]
