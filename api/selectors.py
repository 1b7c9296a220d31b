"""Reads for the API. Scope always starts from cases.scope; nothing here widens it."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase

from cases import scope
from cases.choices import ORG_ROLES, Role
from cases.models import Case, Organization, Party
from workflows import deadlines


def cases_for(user) -> QuerySet[Case]:
    """Visible cases with what a summary shows, in a constant number of queries per page.
    `overdue`/`due_soon` come from the same Q objects as the dashboards, not a second rule."""
    return (
        Case.objects.visible_to(user)
        .select_related("organization", "region", "dispute_type")
        .annotate(
            is_overdue=SqlCase(
                When(deadlines.overdue_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_due_soon=SqlCase(
                When(deadlines.due_soon_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def case_detail_for(user) -> QuerySet[Case]:
    return cases_for(user).prefetch_related("parties", "mediators", "documents")


def personal_data_q(user) -> Q:
    """Cases whose parties' phone and ID numbers the user sees in full — the query form of
    `scope.sees_personal_data` (committee members of the case's organization, admins)."""
    if scope.is_admin(user):
        return Q()
    orgs = [m.organization_id for m in scope.memberships(user) if m.role in ORG_ROLES]
    return Q(organization_id__in=orgs) if orgs else Q(pk__in=[])


def search(queryset: QuerySet[Case], user, q: str) -> QuerySet[Case]:
    """Case number, party name, or party phone. A phone only matches where the user may see it
    in full: otherwise a supervisor could confirm a masked number by searching for it."""
    parties = Party.objects.filter(case=OuterRef("pk"))
    return queryset.filter(
        Q(number__icontains=q)
        | Q(Exists(parties.filter(name__icontains=q)))
        | (Q(Exists(parties.filter(phone__contains=q))) & personal_data_q(user))
    )


def organizations_q(user) -> Q:
    """Committees the user belongs to, or that sit in a region the user supervises."""
    if scope.is_admin(user):
        return Q()
    parts = []
    for m in scope.memberships(user):
        if m.role in ORG_ROLES:
            parts.append(Q(pk=m.organization_id))
        elif m.role == Role.SUPERVISOR:
            parts.append(Q(region__path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def organizations_for(user) -> QuerySet[Organization]:
    return Organization.objects.filter(organizations_q(user)).select_related("region")
