"""The case lists' exact count from the case tallies (SPEC §16; rollups.CaseTally, kept by each
change in its transaction, read by workflows.selectors.tally_count): for every role and every
filter the tallies can answer, the same number as counting the rows; None (count the rows) for
a filter they cannot; and still the same after registrations, transitions, an escalation to
another committee and a risk change. The API and the list page then count no case row."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Region
from rollups import rollup
from tests.api import api
from tests.factories import township_committee
from workflows import selectors
from workflows import services as s

pytestmark = pytest.mark.django_db

USERS = ("clerk", "director", "mediator", "supervisor", "supervisor_city", "admin", "clerk_b")
TALLIED = [
    {},
    {"status": "intake"},
    {"status": "mediation", "risk": "low"},
    {"risk": "high"},
    {"risk_min": "high"},
    {"open": True},
    {"open": True, "risk_min": "medium"},
    {"q": "  ", "overdue": None, "mine": False, "page": 2},
]
COUNTED = [
    {"q": "当事人"},
    {"dispute_type": "neighbour"},
    {"overdue": True},
    {"overdue": False},
    {"mine": True},
    {"due": "soon"},
]


@pytest.fixture
def cases(world, register, walk, clerk):
    """Cases of 东村调委 at several stages and risk levels, one of 西村调委 (白水县), one in a grid
    of 东村, and one escalated from 东村调委 to 东镇调委 (another committee, same county)."""
    township, _ = township_committee()
    made = [register() for _ in range(3)]
    walk(made[0], "investigated")
    walk(made[1], "closure")
    made.append(register(region=Region.objects.get(name="东村第一网格")))
    made.append(register(summary="邻里纠纷，一方扬言报复，矛盾激化", amount_involved="900000"))
    escalated = register()
    s.case_escalate(escalated, actor=clerk, organization=township, reason="涉及两村")
    west_clerk = get_user_model().objects.get(username="clerk_b")
    made.append(
        register(actor=west_clerk, organization=world["west"], region=world["west_village"])
    )
    return made


def _live(user, f):
    return selectors.filter_cases(selectors.cases_for(user), user, f).count()


def _filters(world):
    return [*TALLIED, {"region": world["east_village"]}, {"region": world["baishui"]}]


def test_every_role_and_filter_counts_what_the_rows_say(world, cases):
    users = get_user_model().objects.in_bulk(USERS, field_name="username")
    assert len(users) == len(USERS)
    seen_nonzero = 0
    for name, user in users.items():
        for f in _filters(world):
            assert selectors.tally_count(user, f) == _live(user, f), (name, f)
            seen_nonzero += _live(user, f) > 0
        for f in COUNTED:
            assert selectors.tally_count(user, f) is None, (name, f)
    assert seen_nonzero > 20  # the comparisons are not all of empty lists


def test_counts_follow_each_change(world, cases, clerk, director, mediator):
    supervisor = get_user_model().objects.get(username="supervisor")
    before = selectors.tally_count(clerk, {"status": "intake"})
    s.case_transition(cases[2], "accept", actor=clerk, mediators=[mediator.pk])
    assert selectors.tally_count(clerk, {"status": "intake"}) == before - 1
    s.case_transition(cases[0], "start_mediation", actor=mediator)
    for user in (clerk, director, supervisor):
        for f in _filters(world):
            assert selectors.tally_count(user, f) == _live(user, f), (user.username, f)
    assert rollup.differences(rollup.computed(), rollup.stored()) == []


def test_a_rebuild_gives_the_same_tallies(world, cases):
    kept = rollup.stored().tallies
    assert kept and sum(kept.values()) == len(cases) + 1  # and the escalated case
    rollup.rebuild()
    assert rollup.stored().tallies == kept


def _case_counts(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"].upper() and '"cases_case"' in q["sql"].split(" FROM ")[-1][:40]
    ]


def test_the_api_and_the_list_page_count_no_case_row(world, cases, clerk, client):
    east = selectors.filter_cases(selectors.cases_for(clerk), clerk, {}).count()
    with CaptureQueriesContext(connection) as captured:
        answer = api(clerk).get("/api/v1/cases/", {"risk": "low"})
    assert answer.status_code == 200
    assert answer.json()["count"] == _live(clerk, {"risk": "low"}) > 0
    assert _case_counts(captured) == []
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("cases:list"))
    assert page.status_code == 200 and page.context["page"].paginator.count == east
    assert _case_counts(captured) == []
    # a filter the tallies do not hold: the rows are counted, and the figure is the same
    with CaptureQueriesContext(connection) as captured:
        answer = api(clerk).get("/api/v1/cases/", {"q": "当事人"})
    assert answer.json()["count"] == _live(clerk, {"q": "当事人"})
