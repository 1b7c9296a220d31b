"""A page part rendered once per change (SPEC §16 "Load"): the supervision dashboard and the
ranking are a region's figures — roll-ups, case lists, the leads past their dates — that are
the same for a viewer until a case or a lead changes or the day turns; rendering them costs most
of the page (the dashboard: 60 ms of CPU at 200,000 cases, 8 ms from the cache).

The key holds everything the part depends on: the viewer (their scope reaches into every figure:
`Selection.q`), their memberships, the part's own parameters, the newest case event and lead event
(every change to either writes one in its transaction), today's date (overdue is by date) and the
language. So a hit is exactly what a fresh render would show. What no event marks — a region or
a committee renamed in the admin — shows after TTL at the latest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cases import scope
from workflows import deadlines
from workflows.paging import latest_change, latest_lead_change

TTL = 300


def cached_part(name: str, user: Any, parts: tuple, render: Callable[[], str]) -> SafeString:
    """`render()`'s HTML, from the shared cache when nothing it shows has changed since."""
    memberships = tuple((m.role, m.organization_id, m.region_id) for m in scope.memberships(user))
    key = repr(
        (
            name,
            getattr(user, "pk", None),
            scope.is_admin(user),
            memberships,
            parts,
            latest_change(),
            latest_lead_change(),
            deadlines.today(),
            get_language(),
        )
    )
    digest = hashlib.sha256(key.encode()).hexdigest()
    html = cache.get_or_set(f"tiaojie:part:{name}:{digest}", render, TTL)
    return mark_safe(html)  # our own template's output, escaped as it was rendered
