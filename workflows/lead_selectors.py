"""Reads of 排查 (SPEC §13) shared by the pages and the API: the lead list with its overdue mark,
its filters, which transitions a user may start, the sweeps a user sees. Scope always starts
from screening.scope; nothing here widens it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import BooleanField, QuerySet, Value, When
from django.db.models import Case as SqlCase

from cases.models import Region
from cases.scope import Viewer
from screening.models import Lead, Sweep
from screening.scope import lead_acting_roles, sweep_scope_q
from workflows import deadlines
from workflows.lead_transitions import EVENT_LABELS, LEAD_SPECS
from workflows.selectors import risk_at_least


def leads_for(user: Viewer) -> QuerySet[Lead]:
    """Visible leads with what a list shows; `is_overdue` from the same Q as `sla_sweep`."""
    return (
        Lead.objects.visible_to(user)
        .select_related("organization", "region", "dispute_type", "sweep", "case", "reported_by")
        .annotate(
            is_overdue=SqlCase(
                When(deadlines.lead_overdue_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def lead_detail_for(user: Viewer) -> QuerySet[Lead]:
    return (
        leads_for(user)
        .select_related("repeat_of", "repeat_case")
        .prefetch_related("people", "photos", "events__actor")
    )


def filter_leads(leads: QuerySet[Lead], f: Mapping[str, Any]) -> QuerySet[Lead]:
    """The list filters, one implementation for the page and the API: status, region (a Region:
    its subtree), risk (a level), risk_min (a level and those above: "high" is 高 and 重大),
    overdue (bool), sweep (a Sweep or id), channel, reported_by (a user id)."""
    if f.get("status"):
        leads = leads.filter(status=f["status"])
    if f.get("region") is not None:
        leads = leads.filter(region_path__startswith=f["region"].path)
    if f.get("risk"):
        leads = leads.filter(risk_level=f["risk"])
    if f.get("risk_min"):
        leads = leads.filter(risk_level__in=risk_at_least(f["risk_min"]))
    if f.get("overdue") is True:
        leads = leads.filter(deadlines.lead_overdue_q())
    elif f.get("overdue") is False:
        leads = leads.exclude(deadlines.lead_overdue_q())
    if f.get("sweep") is not None:
        sweep = f["sweep"]
        leads = leads.filter(sweep_id=sweep.pk if isinstance(sweep, Sweep) else sweep)
    if f.get("channel"):
        leads = leads.filter(channel=f["channel"])
    if f.get("reported_by") is not None:
        leads = leads.filter(reported_by_id=f["reported_by"])
    return leads


def is_overdue(lead: Lead) -> bool:
    due = deadlines.lead_due(lead.status, lead.triage_due, lead.next_check_on)
    return due is not None and due < deadlines.today()


def allowed_lead_transitions(lead: Lead, user: Viewer) -> list[str]:
    """Transitions this user may start from the lead's state (guards are checked when tried)."""
    roles = lead_acting_roles(user, lead)
    return [
        name
        for name, spec in LEAD_SPECS.items()
        if roles & spec.roles and lead.status in spec.sources
    ]


def sweeps_for(user: Viewer) -> QuerySet[Sweep]:
    return Sweep.objects.filter(sweep_scope_q(user)).select_related("region", "opened_by")


def overdue_leads_count(user: Viewer) -> int:
    return Lead.objects.visible_to(user).filter(deadlines.lead_overdue_q()).count()


def overdue_leads_figures(user: Viewer, region: Region | None = None) -> dict[str, int]:
    """Overdue leads in scope (within `region`'s subtree if given), and how many of them are of
    high or critical risk: counted with `filter_leads`, the filters the lead list's link uses."""
    base = filter_leads(Lead.objects.visible_to(user), {"overdue": True, "region": region})
    return {
        "n": base.count(),
        "high": filter_leads(base, {"risk_min": "high"}).count(),
    }


def lead_event_label(name: str) -> str:
    return EVENT_LABELS.get(name, name)
