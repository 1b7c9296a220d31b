"""The case as it stood at a past moment, rebuilt from its events alone (SPEC §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cases.models import Case

FIELDS = ("status", "outcome", "organization", "mediators", "risk_level", "risk_score", "deadline")


def case_as_of(case: Case, moment: dt.datetime) -> dict[str, Any] | None:
    """Fold each event's `changes` ({field: [old, new]}) up to `moment`; None before
    registration."""
    state: dict[str, Any] | None = None
    for event in case.events.filter(at__lte=moment).order_by("at", "id"):
        if state is None:
            state = {f: None for f in FIELDS} | {"mediators": [], "outcome": ""}
        for name, (_old, new) in event.data.get("changes", {}).items():
            state[name] = new
        state["as_of_event"] = event.pk
    return state
