"""The lead transitions of SPEC §13 as data: from which states, to which, who. Their guards and
effects are the handlers in workflows/services/leads.py; `report` (the lead's first event) is
`lead_report`."""

from __future__ import annotations

from dataclasses import dataclass

from cases.choices import Role
from screening.models import LeadStatus

REPORTED, WATCHING = LeadStatus.REPORTED, LeadStatus.WATCHING
CLERK, DIRECTOR, MEDIATOR = Role.CLERK, Role.DIRECTOR, Role.MEDIATOR

# Who may report a lead (in a region of their scope, screening.scope.report_regions_q).
REPORT_ROLES = frozenset({Role.GRID_WORKER, CLERK, DIRECTOR, MEDIATOR, Role.ADMIN})


@dataclass(frozen=True)
class LeadSpec:
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]


LEAD_SPECS: dict[str, LeadSpec] = {
    "to_case": LeadSpec(
        "转为案件", (REPORTED, WATCHING), LeadStatus.CONVERTED, frozenset({CLERK, DIRECTOR})
    ),
    "resolve_on_site": LeadSpec(
        "就地化解", (REPORTED, WATCHING), LeadStatus.RESOLVED, frozenset({MEDIATOR, DIRECTOR})
    ),
    "refer": LeadSpec(
        "移交", (REPORTED, WATCHING), LeadStatus.REFERRED, frozenset({CLERK, DIRECTOR})
    ),
    "watch": LeadSpec(
        "跟踪关注", (REPORTED,), LeadStatus.WATCHING, frozenset({CLERK, DIRECTOR, MEDIATOR})
    ),
    "close": LeadSpec(
        "核实无纠纷", (REPORTED, WATCHING), LeadStatus.CLOSED, frozenset({CLERK, DIRECTOR})
    ),
}

EVENT_LABELS = {
    "report": "上报",
    "photo_add": "上传照片",
    "overdue": "超期",
    "feedback": "发出反馈函",  # the FBK to a referring sender (SPEC §13)
    **{name: spec.label for name, spec in LEAD_SPECS.items()},
}
