"""Random sequences of transitions and records by random actors (hypothesis) never produce an
illegal state; every successful change writes exactly one event; the "as of" view at each step
equals the state observed then."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from cases.choices import Status
from core.errors import DomainError
from workflows import services as s
from workflows.asof import case_as_of
from workflows.services import snapshot

LEGAL = {  # status → statuses reachable in one step (SPEC §4), plus itself
    "intake": {"intake", "investigation", "closure"},
    "investigation": {"investigation", "mediation", "closure"},
    "mediation": {"mediation", "closure"},
    "closure": {"closure", "follow_up", "archived"},
    "follow_up": {"follow_up", "mediation", "archived"},
    "archived": {"archived"},
}
ACTORS = ["clerk", "director", "mediator", "mediator2", "supervisor", "clerk_b"]
TRANSITIONS = {
    "accept": lambda users: {"mediators": [users["mediator"].pk]},
    "decline": lambda users: {"reason": "不属于受理范围"},
    "start_mediation": lambda users: {},
    "record_agreement": lambda users: {
        "kind": "written",
        "terms": ["支付"],
        "performance_method": "转账",
        "performance_deadline": timezone.localdate() + dt.timedelta(days=5),
        "signatures_complete": True,
    },
    "record_failure": lambda users: {"reason": "分歧大"},
    "withdraw": lambda users: {"party": "申请人", "reason": "和解"},
    "extend_deadline": lambda users: {"days": 5, "consent": True},
    "approve_closure": lambda users: {},
    "reopen": lambda users: {"reason": "未履行"},
    "archive": lambda users: {},
}
# Who normally does what: drawn half of the time so walks get deep into the flow.
RIGHT = {
    "accept": "clerk",
    "decline": "clerk",
    "withdraw": "clerk",
    "approve_closure": "director",
    "reopen": "director",
    "archive": "clerk",
    "investigation": "mediator",
    "session": "mediator",
    "follow_up": "mediator",
}
RECORDS = {
    "investigation": lambda: {
        "conducted_at": timezone.now(),
        "place": "村委会",
        "interviewee": "张三",
        "content": "了解",
    },
    "session": lambda: {
        "held_at": timezone.now(),
        "place": "调解室",
        "attendees": "双方",
        "content": "陈述",
    },
    "follow_up": lambda: {
        "visited_at": timezone.now(),
        "method": "phone",
        "visitee": "张三",
        "performance": "not_performed",
        "satisfaction": "unsatisfied",
    },
}


@pytest.mark.django_db
def test_random_walks(register, clerk, world):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    counts = {"steps": 0, "changes": 0}

    class CaseMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.case = register()
            self.history = [(self.case.events.last().at, snapshot(self.case))]

        def _after(self, status_before: str, events_before: int, ok: bool):
            counts["steps"] += 1
            self.case.refresh_from_db()
            events = self.case.events.count()
            assert self.case.status in LEGAL[status_before]
            assert events == events_before + (1 if ok else 0)
            if ok:
                counts["changes"] += 1
                self.history.append((self.case.events.last().at, snapshot(self.case)))

        @rule(
            name=st.sampled_from(sorted(TRANSITIONS)),
            actor=st.sampled_from(ACTORS),
            right=st.booleans(),
        )
        def transition(self, name, actor, right):
            actor = RIGHT.get(name, "mediator") if right else actor
            before, n = self.case.status, self.case.events.count()
            try:
                s.case_transition(self.case, name, actor=users[actor], **TRANSITIONS[name](users))
                ok = True
            except DomainError as exc:
                counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
                ok = False
            self._after(before, n, ok)

        @rule(
            kind=st.sampled_from(sorted(RECORDS)),
            actor=st.sampled_from(ACTORS),
            right=st.booleans(),
        )
        def record(self, kind, actor, right):
            actor = RIGHT[kind] if right else actor
            before, n = self.case.status, self.case.events.count()
            try:
                s.record_add(self.case, kind, actor=users[actor], **RECORDS[kind]())
                ok = True
            except DomainError as exc:
                counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
                ok = False
            self._after(before, n, ok)

        @invariant()
        def as_of_matches_history(self):
            for moment, seen in self.history:
                state = case_as_of(self.case, moment)
                assert {k: state[k] for k in seen} == seen

        @invariant()
        def outcome_matches_status(self):
            if self.case.status in (Status.INTAKE, Status.INVESTIGATION):
                assert self.case.outcome == ""

    CaseMachine.TestCase.settings = settings(
        max_examples=60,
        stateful_step_count=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    CaseMachine.TestCase().runTest()
    print(f"\nstateful: {counts}")
    assert counts["changes"] > 40, counts
