"""Membership changes as audited events (SPEC §12): the one writer of
`supervision.MembershipEvent` and who may read them.

Writing. `record` is called by the Membership model's signals (supervision/signals.py): every
create, change and delete — from the admin, a management command, the seed, a test — leaves
exactly one event. Who acted comes from `core.acting`: the admin's ScopedAdmin says so for its
saves and deletes, `supervision.middleware.ActingMiddleware` for any other request; nothing
set is the system (a command, the seed). A save that changes nothing records nothing. Bulk
`QuerySet.update()` sends no signal and so is not recorded: no code of ours uses it on
memberships.

Reading. System administrators see every event; a committee member those of their
committee's memberships; a supervisor those of the committees and supervisors in the region
subtree (the same reach as `cases.scope.membership_scope_q`).
"""

from __future__ import annotations

import ipaddress
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from cases import scope
from cases.choices import ORG_ROLES, Role
from cases.models import Membership, Organization, Region
from core import acting
from supervision.models import MembershipEvent

Action = MembershipEvent.Action


def values(m: Membership) -> dict[str, Any]:
    """What the event keeps of a membership (before / after): ids and names."""
    organization = _get(Organization, m.organization_id)
    region = _get(Region, m.region_id)
    user = m.user if _user_exists(m) else None
    return {
        "user": m.user_id,
        "username": user.get_username() if user is not None else "",
        "role": m.role,
        "organization": m.organization_id,
        "organization_name": organization.name if organization else "",
        "region": m.region_id,
        "region_name": region.full_name if region else "",
        "scope_path": (organization.region.path if organization else region.path if region else ""),
    }


def _get(model: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    return (
        model.objects.select_related(*(["region"] if model is Organization else []))
        .filter(pk=pk)
        .first()
    )


def _user_exists(m: Membership) -> bool:
    try:
        return m.user is not None
    except Exception:  # noqa: BLE001 - the user is being deleted (cascade)
        return False


def _ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def record(
    action: str, membership: Membership, *, before: dict[str, Any], after: dict[str, Any]
) -> MembershipEvent | None:
    """Write one event (nothing for a change that changed nothing)."""
    if action == Action.CHANGED and before == after:
        return None
    now = acting.current()
    actor = now.user()
    shown = after or before
    return MembershipEvent.objects.create(
        action=action,
        actor_ref=getattr(actor, "pk", None),
        actor_username=actor.get_username() if actor is not None else "",
        source=now.source,
        ip=_ip(now.ip),
        membership_ref=membership.pk,
        user_ref=shown.get("user"),
        username=shown.get("username", ""),
        role=shown.get("role", ""),
        organization_ref=shown.get("organization"),
        organization_name=shown.get("organization_name", ""),
        region_ref=shown.get("region"),
        region_name=shown.get("region_name", ""),
        scope_path=shown.get("scope_path", ""),
        before=_public(before),
        after=_public(after),
    )


def _public(v: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in v.items() if k != "scope_path"}


def scope_q(user: Any) -> Q:
    """The events a user may read (a MembershipEvent filter)."""
    if scope.is_admin(user):
        return Q()
    parts = []
    for m in scope.memberships(user):
        if m.role in ORG_ROLES and m.organization_id is not None:
            parts.append(Q(organization_ref=m.organization_id))
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(Q(scope_path__startswith=m.region.path))
    return reduce(or_, parts) if parts else Q(pk__in=[])
