"""The parties' own rating after a follow-up visit (SPEC §14 评价; portal/ratings.py): once per
party, only after a visit, through the API and the page, audited, and counted in the
statistics beside the visitor-recorded 满意度 — the same from the roll-up as live."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import PartyRating, Region
from core.errors import InvalidInput, InvalidState, NotFound
from portal import ratings
from supervision import stats
from tests.portal.test_public_api import APPLICANT, RESPONDENT, login
from workflows.models import CaseEvent


@pytest.fixture
def visited(register, walk, django_capture_on_commit_callbacks):
    """A case of 东村调委 walked to 归档 (its follow-up visit recorded: 满意)."""
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "archived")
    return case


def test_a_party_rates_once_after_the_visit(visited):
    assert ratings.state(visited, APPLICANT)["can_rate"]
    given = ratings.rate(visited, phone=APPLICANT, satisfaction="unsatisfied", comment="  太慢 ")
    assert [(r.party.phone, r.satisfaction, r.comment) for r in given] == [
        (APPLICANT, "unsatisfied", "太慢")
    ]
    event = CaseEvent.objects.filter(case=visited, name="party_rating").get()
    assert event.actor is None and event.data["rating"]["satisfaction"] == "unsatisfied"
    assert ratings.state(visited, APPLICANT) == {
        "can_rate": False,
        "given": "unsatisfied",
        "given_label": "不满意",
    }
    with pytest.raises(InvalidState, match="已经评价过"):
        ratings.rate(visited, phone=APPLICANT, satisfaction="satisfied")
    assert PartyRating.objects.count() == 1
    # the other party still may
    assert ratings.state(visited, RESPONDENT)["can_rate"]


def test_no_rating_before_the_visit_nor_by_a_stranger_nor_a_bad_answer(register, walk, visited):
    case = register()
    walk(case, "follow_up")  # closure approved, not yet visited
    assert not ratings.state(case, APPLICANT)["can_rate"]
    with pytest.raises(InvalidState, match="回访之后"):
        ratings.rate(case, phone=APPLICANT, satisfaction="satisfied")
    with pytest.raises(NotFound):
        ratings.rate(visited, phone="13900000009", satisfaction="satisfied")
    with pytest.raises(InvalidInput, match="请选择"):
        ratings.rate(visited, phone=APPLICANT, satisfaction="great")
    with pytest.raises(InvalidInput, match="不要超过500字"):
        ratings.rate(visited, phone=APPLICANT, satisfaction="satisfied", comment="好" * 501)
    assert not PartyRating.objects.exists()


def test_the_api(client, visited, outbox, django_capture_on_commit_callbacks):
    token = login(client, django_capture_on_commit_callbacks, outbox, visited)
    auth = {"HTTP_AUTHORIZATION": f"Party {token}"}
    case = client.get("/api/v1/public/case/", **auth).json()
    assert case["rating"] == {"can_rate": True, "given": None}
    post = lambda body: client.post(  # noqa: E731
        "/api/v1/public/ratings/", body, content_type="application/json", **auth
    )
    bad = post({"satisfaction": "great"})
    assert bad.status_code == 400 and "请选择" in bad.content.decode()
    assert client.post("/api/v1/public/ratings/", {"satisfaction": "satisfied"}).status_code == 401
    r = post({"satisfaction": "basically_satisfied", "comment": "还可以"})
    assert r.status_code == 201 and r.json()["satisfaction"] == "basically_satisfied"
    again = post({"satisfaction": "satisfied"})
    assert again.status_code == 409 and "已经评价过" in again.json()["error"]["message"]
    assert client.get("/api/v1/public/case/", **auth).json()["rating"] == {
        "can_rate": False,
        "given": "basically_satisfied",
    }


def test_the_page(client, visited, outbox, django_capture_on_commit_callbacks):
    assert client.get("/p/rate/")["Location"] == "/p/"  # no party session
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/p/", {"case_code": visited.party_code, "phone": APPLICANT})
    client.post("/p/verify/", {"sms_code": outbox.codes(APPLICANT)[-1]})
    assert "评价调解工作" in client.get("/p/case/").content.decode()
    page = client.get("/p/rate/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "您对这次调解满意吗" in html and html.count('type="radio"') == 3
    assert "checked" not in html  # no answer preselected
    missing = client.post("/p/rate/", {"comment": "说明"})
    assert missing.status_code == 422 and "请选择" in missing.content.decode()
    assert "说明" in missing.content.decode()  # what was typed is kept
    done = client.post("/p/rate/", {"satisfaction": "satisfied", "comment": ""})
    assert done.status_code == 302 and done["Location"] == "/p/rate/"
    assert "谢谢您的评价" in client.get("/p/rate/").content.decode()
    assert PartyRating.objects.get().satisfaction == "satisfied"


def test_statistics_show_both_and_the_rollup_agrees(visited, admin_user, supervisor):
    ratings.rate(visited, phone=APPLICANT, satisfaction="satisfied")
    ratings.rate(visited, phone=RESPONDENT, satisfaction="unsatisfied")
    today = timezone.localdate()
    sel = stats.Selection(
        admin_user, Region.objects.get(name="青山市"), today.replace(day=1), today
    )
    live = stats.summary(sel, today=today, source="live")
    rolled = stats.summary(sel, today=today, source="rollup")
    assert live["parts"]["party_satisfaction_rate"] == (1, 2)
    assert live["party_satisfaction_rate"] == 0.5 and live["satisfaction_rate"] == 1.0
    assert rolled["parts"]["party_satisfaction_rate"] == (1, 2)
    assert rolled["party_satisfaction_rate"] == live["party_satisfaction_rate"]
    out = io.StringIO()
    call_command("stats_rebuild", "--verify", stdout=out)
    assert "matches" in out.getvalue()
    assert today - dt.timedelta(days=1) < today  # the period is this month


def test_the_dashboard_prints_both_rates(client, visited, supervisor):
    ratings.rate(visited, phone=APPLICANT, satisfaction="satisfied")
    client.force_login(supervisor)
    html = client.get("/supervision/").content.decode()
    assert 'data-figure="party_satisfaction_rate"' in html and "当事人评价满意率" in html
    assert "评价 1 份" in html


def test_the_admin_lists_drafts_signatures_and_ratings_read_only(
    client, admin_user, visited, register, walk, mediator
):
    from cases.models import Signature
    from portal import signing

    ratings.rate(visited, phone=APPLICANT, satisfaction="satisfied")
    case = register()
    walk(case, "session_held")
    signing.prepare_draft(
        case,
        mediator,
        terms=["疏通排水沟"],
        performance_deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    client.force_login(admin_user)
    for path in ("agreementdraft", "signature", "partyrating"):
        page = client.get(f"/admin/cases/{path}/")
        assert page.status_code == 200, path
        assert client.get(f"/admin/cases/{path}/add/").status_code == 403, path
    signature = Signature.objects.first()
    detail = client.get(f"/admin/cases/signature/{signature.pk}/change/")
    assert detail.status_code == 200
