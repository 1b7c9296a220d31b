"""Who sees which case (SPEC §1). Every list, detail, count, export and dashboard uses
`case_scope_q`; a case outside it does not exist for the user (404, never 403)."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from cases.choices import ORG_ROLES, Role


def memberships(user) -> list:
    if not getattr(user, "is_authenticated", False):
        return []
    cache = getattr(user, "_tiaojie_memberships", None)
    if cache is None:
        cache = list(user.memberships.select_related("organization", "region"))
        user._tiaojie_memberships = cache
    return cache


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        m.role == Role.ADMIN for m in memberships(user)
    )


def case_scope_q(user) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_admin(user):
        return Q()
    parts = []
    for m in memberships(user):
        if m.role in ORG_ROLES:
            parts.append(Q(organization_id=m.organization_id))
        elif m.role == Role.SUPERVISOR:
            parts.append(Q(region_path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def roles_for_case(user, case) -> set[str]:
    """The roles `user` holds that apply to `case` (assigned-mediator is checked separately)."""
    if is_admin(user):
        return {Role.ADMIN}
    roles = set()
    for m in memberships(user):
        if m.role in ORG_ROLES and m.organization_id == case.organization_id:
            roles.add(m.role)
        elif m.role == Role.SUPERVISOR and case.region_path.startswith(m.region.path):
            roles.add(Role.SUPERVISOR)
    return roles


def sees_personal_data(user, case) -> bool:
    """Committee members and admins see ID numbers and phones in full; supervisors masked."""
    return bool(roles_for_case(user, case) & (ORG_ROLES | {Role.ADMIN}))


def visible_regions_q(user) -> Q:
    if is_admin(user):
        return Q()
    parts = []
    for m in memberships(user):
        if m.role == Role.SUPERVISOR:
            parts.append(Q(path__startswith=m.region.path))
        elif m.role in ORG_ROLES:  # the committee's village and the grids below it
            parts.append(Q(path__startswith=m.organization.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def personal_data_q(user) -> Q:
    """Cases whose parties' phone and ID numbers the user sees in full — the query form of
    `scope.sees_personal_data` (committee members of the case's organization, admins)."""
    if is_admin(user):
        return Q()
    orgs = [m.organization_id for m in memberships(user) if m.role in ORG_ROLES]
    return Q(organization_id__in=orgs) if orgs else Q(pk__in=[])


def organizations_q(user) -> Q:
    """Committees the user belongs to, or that sit in a region the user supervises."""
    if is_admin(user):
        return Q()
    parts = []
    for m in memberships(user):
        if m.role in ORG_ROLES:
            parts.append(Q(pk=m.organization_id))
        elif m.role == Role.SUPERVISOR:
            parts.append(Q(region__path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])
