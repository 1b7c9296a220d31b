"""The dashboard's and the ranking's figures are rendered once per change (web/fragments.py,
SPEC §16 "Load"): a second visit reads no figure, and a change — a case registered, a lead
reported, the ranking's weights, a file scored — shows at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from county.models import Aspect, ReviewItem
from supervision import ranking
from supervision.models import RankingWeights
from tests.factories import party
from tests.supervision.conftest import PERIOD
from tests.supervision.test_pages import card, get
from workflows import services as s

pytestmark = pytest.mark.django_db


def _reads(captured: CaptureQueriesContext, table: str) -> int:
    return sum(f'"{table}"' in q["sql"] for q in captured.captured_queries)


def test_a_second_visit_reads_no_figure_and_shows_the_same(cohort, today, client, supervisor):
    first = get(client, supervisor, "dashboard").content.decode()
    with CaptureQueriesContext(connection) as again:
        second = get(client, supervisor, "dashboard").content.decode()
    assert _reads(again, "cases_case") == 0 and not any(
        "rollups_" in q["sql"] for q in again.captured_queries
    )
    strip = lambda html: html.split('id="figures"')[1]  # noqa: E731 - the part, not the nonce
    assert strip(second) == strip(first)
    assert card(second, "received") == card(first, "received")


def test_a_change_shows_at_once(cohort, today, client, supervisor, clerk, world):
    before = int(card(get(client, supervisor, "dashboard").content.decode(), "received"))
    case = cohort["A"]
    s.case_register(
        actor=clerk,
        organization=case.organization,
        region=case.organization.region,
        dispute_type=case.dispute_type,
        source="application",
        summary="邻里因院墙发生纠纷",
        parties=[party("applicant", 91), party("respondent", 92)],
    )
    after = int(card(get(client, supervisor, "dashboard").content.decode(), "received"))
    assert after == before + 1


def test_each_viewer_has_their_own_part(cohort, today, client, supervisor, director):
    # 督办 buttons are for supervisors only, though both may see the region's dashboard
    supervisor_html = get(client, supervisor, "dashboard").content.decode()
    director_html = get(client, director, "dashboard").content.decode()
    assert reverse("supervision:supervise", args=[cohort["B"].pk]) in supervisor_html
    assert cohort["B"].number in director_html  # the same overdue list
    assert reverse("supervision:supervise", args=[cohort["B"].pk]) not in director_html


def test_the_ranking_follows_its_weights_at_once(cohort, today, client, supervisor):
    html = get(client, supervisor, "ranking").content.decode()
    assert "80.0 分" in html
    weights = RankingWeights.current()
    weights.success, weights.timeliness, weights.follow_up = 0, 0, 0
    weights.satisfaction, weights.review = 0, 1
    weights.save()
    html = get(client, supervisor, "ranking").content.decode()
    assert "80.0 分" not in html and "无数据" in html  # no file scored: no region has a score


def test_a_scored_file_moves_the_rankings_key(cohort, today, supervisor, world):
    before = ranking.reviews_version()
    round_ = s.review_open(
        actor=supervisor,
        region=world["qingshan"],
        period_from=PERIOD["from"],
        period_to=PERIOD["to"],
    )
    item = ReviewItem.objects.filter(round=round_).first()
    assert item is not None
    maxima = round_.maxima
    s.review_score(item, actor=supervisor, scores={a: maxima[a] for a in Aspect.values})
    after = ranking.reviews_version()
    assert after != before and after[1] == before[1] + 1
