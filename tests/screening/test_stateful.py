"""Random sequences of lead transitions by random actors (hypothesis) never produce a state the
§13 table does not allow; every successful change writes exactly one event, every refused one
none; a converted lead always has its case, and only a converted one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from core.errors import DomainError
from screening.models import Lead
from workflows import services as s

LEGAL = {  # status → statuses reachable in one step (SPEC §13), plus itself
    "reported": {"reported", "converted", "resolved", "referred", "watching", "closed"},
    "watching": {"watching", "converted", "resolved", "referred", "closed"},
    "converted": {"converted"},
    "resolved": {"resolved"},
    "referred": {"referred"},
    "closed": {"closed"},
}
ACTORS = ["clerk", "director", "mediator", "supervisor", "grid", "grid_b", "clerk_b"]
RIGHT = {
    "to_case": "clerk",
    "resolve_on_site": "mediator",
    "refer": "clerk",
    "watch": "mediator",
    "close": "director",
}


def _data(name: str) -> dict:
    soon = timezone.localdate() + dt.timedelta(days=7)
    return {
        "to_case": {},
        "resolve_on_site": {"note": "就地化解"},
        "refer": {"receiver": "police", "reason": "涉嫌违法", "feedback_due": soon},
        "watch": {"note": "跟踪", "next_check_on": soon},
        "close": {"note": "核实无纠纷"},
    }[name]


@pytest.mark.django_db
def test_random_walks(report):
    users = {u.username: u for u in get_user_model().objects.all()}
    counts = {"steps": 0, "changes": 0}

    class LeadMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.lead = report()

        @rule(
            name=st.sampled_from(sorted(RIGHT)),
            actor=st.sampled_from(ACTORS),
            right=st.booleans(),
            stale=st.booleans(),
        )
        def transition(self, name, actor, right, stale):
            actor = RIGHT[name] if right else actor
            before, n = self.lead.status, self.lead.events.count()
            version = self.lead.version - 1 if stale and self.lead.version else self.lead.version
            try:
                s.lead_transition(
                    self.lead, name, actor=users[actor], version=version, **_data(name)
                )
                ok = True
            except DomainError as exc:
                counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
                ok = False
            counts["steps"] += 1
            self.lead.refresh_from_db()
            assert self.lead.status in LEGAL[before]
            assert self.lead.events.count() == n + (1 if ok else 0)
            if ok:
                counts["changes"] += 1
                assert self.lead.events.last().name == name
                assert (self.lead.events.last().from_status, self.lead.status) == (
                    before,
                    self.lead.status,
                )

        @rule()
        def new_lead(self):
            self.lead = report()

        @invariant()
        def case_only_when_converted(self):
            assert (self.lead.status == "converted") == (self.lead.case_id is not None)

        @invariant()
        def triaged_once_out_of_reported(self):
            assert (self.lead.status == "reported") == (self.lead.triaged_at is None)

    LeadMachine.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    LeadMachine.TestCase().runTest()
    print(f"\nstateful leads: {counts}")
    assert counts["changes"] > 15, counts
    assert {"PermissionDenied", "NotFound", "InvalidState", "Conflict"} <= set(counts), counts
    assert Lead.objects.exists()
