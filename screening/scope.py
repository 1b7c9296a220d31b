"""Who sees which lead and sweep (SPEC §13), in the role vocabulary of cases/scope.py.

- a grid worker: the leads they reported, nothing else (no case, no other lead);
- a clerk, mediator or director: the leads of their committee — those reported to it, and those
  found in its region (its village and the grids below);
- a supervisor: the leads in their region subtree (phones masked, as for cases);
- an admin: every lead.

A lead outside this rule does not exist for the user (NotFound, 404); inside it, the wrong role
for a change is PermissionDenied (403) — `check_lead_role`, as `scope.check_role` for cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import Q

from cases import scope
from cases.choices import ORG_ROLES, Role
from cases.scope import Viewer
from core.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from cases.models import Region
    from screening.models import Lead


def _user_pk(user: Viewer) -> int | None:
    return user.pk if isinstance(user, User) and user.is_authenticated else None


def lead_scope_q(user: Viewer) -> Q:
    if scope.is_admin(user):
        return Q()
    pk = _user_pk(user)
    if pk is None:
        return Q(pk__in=[])
    parts = []
    for m in scope.memberships(user):
        if m.role in ORG_ROLES and m.organization is not None:
            parts.append(Q(organization_id=m.organization_id))
            parts.append(Q(region_path__startswith=m.organization.region.path))
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(region_path__startswith=m.region.path))
        elif m.role == Role.GRID_WORKER:
            parts.append(Q(reported_by_id=pk))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def lead_roles(user: Viewer, lead: Lead) -> set[str]:
    """The membership roles `user` holds that apply to `lead` (empty: outside scope)."""
    if scope.is_admin(user):
        return {Role.ADMIN}
    pk = _user_pk(user)
    roles: set[str] = set()
    for m in scope.memberships(user):
        if m.role in ORG_ROLES and m.organization is not None:
            if m.organization_id == lead.organization_id or lead.region_path.startswith(
                m.organization.region.path
            ):
                roles.add(m.role)
        elif m.role == Role.SUPERVISOR and m.region is not None:
            if lead.region_path.startswith(m.region.path):
                roles.add(Role.SUPERVISOR)
        elif m.role == Role.GRID_WORKER and pk is not None and lead.reported_by_id == pk:
            roles.add(Role.GRID_WORKER)
    return roles


def lead_acting_roles(user: Viewer, lead: Lead) -> set[str]:
    """`lead_roles` widened by `scope.IMPLIES` (a director acts as a clerk too)."""
    return set().union(*(scope.acting_roles(r) for r in lead_roles(user, lead)))


def check_lead_role(user: Viewer, lead: Lead, allowed: Iterable[str], label: str) -> None:
    allowed = set(allowed)
    if not lead_roles(user, lead):
        raise NotFound("线索不存在。")
    if not lead_acting_roles(user, lead) & allowed:
        who = "、".join(scope.role_label(r) for r in sorted(allowed))
        raise PermissionDenied(f"“{label}”只能由{who}办理。")


def sees_lead_personal_data(user: Viewer, lead: Lead) -> bool:
    """Phones in full for the committee, admins and the reporter; supervisors see them masked."""
    return bool(lead_roles(user, lead) & (ORG_ROLES | {Role.ADMIN, Role.GRID_WORKER}))


def report_regions_q(user: Viewer) -> Q:
    """The regions (a Region filter) where the user may report a lead: a grid worker's own region
    and below, a committee member's committee region and below; admins anywhere."""
    if scope.is_admin(user):
        return Q()
    parts = []
    for m in scope.memberships(user):
        if m.role == Role.GRID_WORKER and m.region is not None:
            parts.append(Q(path__startswith=m.region.path))
        elif m.role in ORG_ROLES and m.organization is not None:
            parts.append(Q(path__startswith=m.organization.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _own_paths(user: Viewer) -> list[str]:
    paths = []
    for m in scope.memberships(user):
        if m.role in ORG_ROLES and m.organization is not None:
            paths.append(m.organization.region.path)
        elif m.role in (Role.SUPERVISOR, Role.GRID_WORKER) and m.region is not None:
            paths.append(m.region.path)
    return paths


def sweep_scope_q(user: Viewer) -> Q:
    """Sweeps (a Sweep filter) over the user's region: one that covers it (a region above or
    equal), and for a supervisor also one inside their region subtree."""
    if scope.is_admin(user):
        return Q()
    parts = []
    for path in _own_paths(user):
        above = [*scope.strict_ancestor_paths(path), path]
        parts.append(Q(region__path__in=above))
    for m in scope.memberships(user):
        if m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(region__path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def may_open_sweep(user: Viewer, region: Region) -> bool:
    """Supervisors over the region, admins."""
    return scope.is_admin(user) or any(
        m.role == Role.SUPERVISOR and m.region is not None and region.path.startswith(m.region.path)
        for m in scope.memberships(user)
    )


def may_report_for(user: Viewer, unit: Region, *, committee: bool) -> bool:
    """Who reports for a sweep's unit: a committee's clerk or director for the committee's region;
    for a grid, its grid workers and the clerk or director of the committee above it."""
    if scope.is_admin(user):
        return True
    for m in scope.memberships(user):
        if m.role in (Role.CLERK, Role.DIRECTOR) and m.organization is not None:
            if unit.path.startswith(m.organization.region.path):
                return True
        elif (
            m.role == Role.GRID_WORKER
            and m.region is not None
            and not committee
            and unit.path.startswith(m.region.path)
        ):
            return True
    return False


def is_grid_worker_only(user: Viewer) -> bool:
    """A user whose only memberships are grid-worker ones (the pages show them their leads)."""
    roles = {m.role for m in scope.memberships(user)}
    return roles == {Role.GRID_WORKER} and not scope.is_admin(user)
