"""People of the county's work: the township supervisor (冯督导, demo/county.py) reviews 东村's
claims; `supervisor` (郑督导, 青山县) approves, publishes and finalizes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from documents.models import Document
from tests.factories import party, walk_to
from workflows import services as s

User = get_user_model()
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def township(world):
    return User.objects.get(username="supervisor_town")


def at(month: int, day: int) -> time_machine.travel:
    return time_machine.travel(dt.datetime(2026, month, day, 10, 0, tzinfo=TZ), tick=False)


def pair(n: int, **extra) -> list[dict]:
    """Two parties of one dispute, numbered n and n + 1 (their ID numbers follow n)."""
    return [party("applicant", n, **extra), party("respondent", n + 1, **extra)]


@pytest.fixture
def quarter(world, register, clerk, director, mediator, mediator2, supervisor):
    """Four cases archived in 2026-Q3 and a tariff with an odd amount, to test the cents."""
    with at(6, 20):
        s.tariff_set(
            actor=supervisor,
            region=world["qingshan"],
            valid_from="2026-07-01",
            amounts={"ordinary": 100, "major": 200, "complex": "333.33", "grave": 500},
            oral_share="0.5",
            terminated_share="0.3",
        )
    walk = {"clerk": clerk, "mediator": mediator, "director": director}
    with at(7, 2):
        first = walk_to(register(), "archived", **walk)  # parties 1 and 2
    with at(7, 20):
        big = register(
            amount_involved="150000", parties=[party("applicant", 3), party("respondent", 4)]
        )
        walk_to(big, "archived", also=[mediator2], **walk)
    with at(8, 31):  # 60 days after `first`: the same parties, the same dispute type
        split = walk_to(register(), "archived", **walk)
    with at(9, 10):
        failed = register(parties=[party("applicant", 5), party("respondent", 6)])
        walk_to(failed, "session_held", **walk)
        s.case_transition(
            failed, "record_failure", actor=mediator, reason="双方分歧较大，依法终止调解"
        )
        s.case_transition(failed, "approve_closure", actor=director)
        open_case = register(parties=[party("applicant", 7), party("respondent", 8)])
    return {"first": first, "big": big, "split": split, "failed": failed, "open": open_case}


@pytest.fixture
def files(world, register, clerk, director, mediator):
    """Archived in 2026-Q3: a complete file visited on time, an incomplete one (its
    investigation record's document failed), one visited after the follow-up deadline."""
    walk = {"clerk": clerk, "mediator": mediator, "director": director}
    with at(7, 2):
        complete = walk_to(register(), "archived", **walk)
    with at(7, 10):
        incomplete = walk_to(
            register(parties=[party("applicant", 3), party("respondent", 4)]), "archived", **walk
        )
    Document.objects.filter(case=incomplete, code="INV").update(status=Document.Status.FAILED)
    with at(8, 1):
        late = walk_to(register(parties=[party("applicant", 5), party("respondent", 6)]),
                       "follow_up", **walk)  # fmt: skip
    # the agreement's performance deadline is 10 days on, the visit due 15 days after it
    with time_machine.travel(dt.datetime(2026, 9, 15, 10, 0, tzinfo=TZ), tick=False):
        s.record_add(late, "follow_up", actor=mediator, visited_at=dt.datetime(2026, 9, 15, 9, 0, tzinfo=TZ),
                     method="phone", visitee="当事人app5", performance="performed",
                     satisfaction="satisfied")  # fmt: skip
        s.case_transition(late, "archive", actor=clerk)
    return {"complete": complete, "incomplete": incomplete, "late": late}


def open_q3_round(supervisor, quarter):
    """A review round over the quarter's county for 2026-Q3, seed S-2026, every case drawn."""
    from workflows import services

    return services.review_open(
        actor=supervisor,
        region=quarter["first"].region.parent.parent,
        period_from="2026-07-01",
        period_to="2026-09-30",
        seed="S-2026",
        other_pct=100,
    )


def score_and_notify(round_, supervisor):
    """Every file of the round scored at its pre-fill (full marks where nothing is pre-filled),
    then the round's 整改通知 issued: the one notice."""
    from workflows import services

    for other in round_.items.all():
        services.review_score(
            other,
            actor=supervisor,
            scores={k: v[0] for k, v in other.prefill.items()}
            | {"acceptance": 10, "evidence": 15, "law": 15, "filing": 10},
        )
    [notice] = services.review_issue_notices(round_, actor=supervisor)
    return notice
