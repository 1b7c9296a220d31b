"""Who sees which case (SPEC §1), and the one role vocabulary.

Visibility: every list, detail, count, export and dashboard uses `case_scope_q`; a case outside
it does not exist for the user (404, never 403).

Roles: a membership holds one of `Role` (clerk, mediator, director, supervisor, admin, and
grid_worker — on a region, for leads only: no case applies to a grid worker, every rule here
keeps them out; who sees which lead is screening/scope.py). On a given case a user acts in the roles `effective_roles` gives — the membership roles that apply
to the case, widened by `IMPLIES` (a director may do all a clerk may), plus `ASSIGNED` where
the user is one of the case's mediators. The transition table, the audited-action table, the
task list and the documents' rules all name roles in this vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from cases.choices import ORG_ROLES, Role
from core.errors import NotFound, PermissionDenied
from core.i18n import official

if TYPE_CHECKING:
    from cases.models import Case, Membership, Organization

# Whoever asks: a user, the anonymous visitor, or None for the system (commands, the sweep).
Viewer: TypeAlias = User | AnonymousUser | None

ASSIGNED = "assigned_mediator"  # a mediator (or director) assigned to the case
ASSIGNABLE = frozenset({Role.MEDIATOR, Role.DIRECTOR})  # the roles that may act as ASSIGNED
# What holding a role lets one do besides: a director acts as a clerk too.
IMPLIES: dict[str, frozenset[str]] = {Role.DIRECTOR: frozenset({Role.DIRECTOR, Role.CLERK})}


def acting_roles(role: str) -> frozenset[str]:
    return IMPLIES.get(role, frozenset({role}))


def role_label(role: str) -> str:
    """The Chinese name of a role, for messages that are Chinese by design."""
    with official():
        return "承办调解员" if role == ASSIGNED else str(Role(role).label)


def memberships(user: Viewer) -> list[Membership]:
    """The user's memberships, read once per user object (a request's user lives one request)."""
    if not isinstance(user, User) or not user.is_authenticated or user.pk is None:
        return []
    cache: list[Membership] | None = getattr(user, "_tiaojie_memberships", None)
    if cache is None:
        cache = list(user.memberships.select_related("organization", "region"))
        setattr(user, "_tiaojie_memberships", cache)  # noqa: B010 - not a declared field
    return cache


def is_admin(user: Viewer) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        m.role == Role.ADMIN for m in memberships(user)
    )


def case_scope_q(user: Viewer, via: str = "") -> Q:
    """The scope rule as a condition on Case, or on the case a relation `via` leads to
    ("process__mediationprocess__case"): a query that joins the case already tests it there,
    without a subquery over the cases (whose plan, with the cases' indexes, cost PostgreSQL
    about 10 ms per task count)."""
    p = f"{via}__" if via else ""
    if is_admin(user):
        return Q()
    if not isinstance(user, User) or not user.is_authenticated:
        return Q(**{f"{p}pk__in": []})
    parts = []
    for m in memberships(user):
        if m.role in ORG_ROLES:
            parts.append(Q(**{f"{p}organization_id": m.organization_id}))
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(**{f"{p}region_path__startswith": m.region.path}))
    return reduce(or_, parts) if parts else Q(**{f"{p}pk__in": []})


def roles_for_case(user: Viewer, case: Case) -> set[str]:
    """The membership roles `user` holds that apply to `case` (see `effective_roles`)."""
    if is_admin(user):
        return {Role.ADMIN}
    roles = set()
    for m in memberships(user):
        if m.role in ORG_ROLES and m.organization_id == case.organization_id:
            roles.add(m.role)
        elif (
            m.role == Role.SUPERVISOR
            and m.region is not None
            and case.region_path.startswith(m.region.path)
        ):
            roles.add(Role.SUPERVISOR)
    return roles


def effective_roles(user: Viewer, case: Case) -> set[str]:
    """The roles in which `user` may act on `case`: those that apply, widened by `IMPLIES`,
    and `ASSIGNED` for the case's mediators (a director may be assigned too)."""
    held = roles_for_case(user, case)
    result: set[str] = set().union(*(acting_roles(r) for r in held))
    if isinstance(user, User) and held & ASSIGNABLE and case.mediators.filter(pk=user.pk).exists():
        result.add(ASSIGNED)
    return result


def organizations_by_role(user: Viewer) -> dict[str, set[int]]:
    """For each role the user may act in on a committee's cases, the committees (ids) —
    `IMPLIES` applied, as in `effective_roles`; for queries over many cases."""
    result: dict[str, set[int]] = {}
    for m in memberships(user):
        if m.role in ORG_ROLES and m.organization_id is not None:
            for role in acting_roles(m.role):
                result.setdefault(role, set()).add(m.organization_id)
    return result


def check_role(user: Viewer, case: Case, allowed: Iterable[str], label: str) -> None:
    """NotFound outside the case's scope; PermissionDenied unless the user acts on the case
    in one of `allowed` (named in the message)."""
    allowed = set(allowed)
    if not roles_for_case(user, case):
        raise NotFound("案件不存在。")
    if not effective_roles(user, case) & allowed:
        who = "、".join(role_label(r) for r in sorted(allowed))
        raise PermissionDenied(f"“{label}”只能由{who}办理。")


def sees_personal_data(user: Viewer, case: Case) -> bool:
    """Committee members and admins see ID numbers and phones in full; supervisors masked."""
    return bool(roles_for_case(user, case) & (ORG_ROLES | {Role.ADMIN}))


def visible_regions_q(user: Viewer) -> Q:
    if is_admin(user):
        return Q()
    parts = []
    for m in memberships(user):
        if m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(path__startswith=m.region.path))
        elif m.role in ORG_ROLES and m.organization is not None:
            # the committee's village and the grids below it
            parts.append(Q(path__startswith=m.organization.region.path))
        elif m.role == Role.GRID_WORKER and m.region is not None:
            parts.append(Q(path__startswith=m.region.path))  # where they may report leads
    return reduce(or_, parts) if parts else Q(pk__in=[])


def personal_data_q(user: Viewer) -> Q:
    """Cases whose parties' phone and ID numbers the user sees in full — the query form of
    `sees_personal_data` (committee members of the case's organization, admins)."""
    if is_admin(user):
        return Q()
    orgs = [m.organization_id for m in memberships(user) if m.role in ORG_ROLES]
    return Q(organization_id__in=orgs) if orgs else Q(pk__in=[])


def organizations_q(user: Viewer) -> Q:
    """Committees the user belongs to, or that sit in a region the user supervises."""
    if is_admin(user):
        return Q()
    parts = []
    for m in memberships(user):
        if m.role in ORG_ROLES:
            parts.append(Q(pk=m.organization_id))
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(region__path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


# --- region rules of SPEC §12 (escalation, registration) ----------------------------------
def strict_ancestor_paths(path: str) -> list[str]:
    """The materialized paths strictly above `path` ("/1/4/17/" → ["/1/", "/1/4/"])."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def escalation_targets_q(case: Case) -> Q:
    """The committees a case may be escalated to (上报, an Organization filter): one whose
    region is strictly above both the case's region and its present committee's region — a
    township or county committee over the village, never a neighbour or one below."""
    above = set(strict_ancestor_paths(case.region_path)) & set(
        strict_ancestor_paths(case.organization.region.path)
    )
    return Q(region__path__in=sorted(above)) & ~Q(pk=case.organization_id)


def in_committee_region(region_path: str, organization: Organization) -> bool:
    """Whether a case in the region at `region_path` may be registered by `organization`:
    the region is the committee's own or one below it (its village, its grids)."""
    return region_path.startswith(organization.region.path)


def registration_regions_q(organizations: Iterable[Organization]) -> Q:
    """The regions (a Region filter) where one of `organizations` may register a case."""
    parts = [Q(path__startswith=o.region.path) for o in organizations]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def membership_scope_q(user: Viewer) -> Q:
    """The memberships (a Membership filter) a user may see, e.g. in the Django admin: those of
    their own committees, and for a supervisor those of the committees and supervisors in the
    region subtree. Admin memberships only admins see."""
    if is_admin(user):
        return Q()
    parts = []
    for m in memberships(user):
        if m.role in ORG_ROLES:
            parts.append(Q(organization_id=m.organization_id))
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(organization__region__path__startswith=m.region.path))
            parts.append(Q(region__path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def case_related_q(user: Viewer, field: str = "case") -> Q:
    """Rows attached to a visible case through `field` (parties, records, events, documents,
    notifications): a filter of their model; Q() for whom every case is visible."""
    q = case_scope_q(user)
    if not q:
        return Q()
    from cases.models import Case

    return Q(**{f"{field}__in": Case.objects.filter(q).values("pk")})
