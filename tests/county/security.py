"""The county's part of tests/test_security_table.py's world: 孙调解's register entry, a draft
以案定补 claim of 东村调委 for the current quarter, and the bodies the POST recipes send.
**township** is 冯督导 (demo/county.py), supervisor of 东镇: the township review (初审)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import TestCase
from django.utils import timezone

from county.models import MediatorRecord
from tests.factories import id_number


def add_county(w: SimpleNamespace) -> None:
    from workflows import services as s

    today = timezone.localdate()
    w.period = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    w.mediator_record = MediatorRecord.objects.get(user=w.users["mediator"])
    w.claim = s.claim_draft(actor=w.users["director"], organization=w.east, period=w.period)
    w.claim_body = {"organization": w.east.pk, "period": w.period}
    w.mediator_body = {
        "name": "周新",
        "id_type": "resident_id",
        "id_number": id_number(77, dt.date(1980, 2, 3)),
        "organizations": [w.east.pk],
        "kind": "part_time",
        "grade": 3,
        "appointed_on": "2025-01-01",
        "term_ends_on": "2027-12-31",
    }
    w.mediator_form = w.mediator_body | {"organizations": [w.east.pk], "filed": "on"}
    record = w.mediator_record
    w.mediator_edit_form = {
        "name": record.name, "id_type": record.id_type, "id_number": record.id_number,
        "organizations": [w.east.pk], "kind": record.kind, "grade": record.grade,
        "appointed_on": record.appointed_on.isoformat(), "term_ends_on": "2031-12-31",
    }  # fmt: skip
    w.training_body = {"held_on": "2026-06-01", "topic": "调解技巧", "hours": "4",
                       "organiser": "县司法局"}  # fmt: skip
    add_reviews(w)
    w.tariff_body = {
        "region": w.qingshan.pk,
        "valid_from": "2027-01-01",
        "amounts": {"ordinary": 100, "major": 200, "complex": 300, "grave": 500},
    }


def county_recipes(recipe) -> dict:
    """RECIPES for the rows of docs/SECURITY.md's "调解员、评查与以案定补" tables; `recipe` is
    tests/test_security_table.py's Recipe."""
    return {
        "county:mediators": lambda w: recipe(),
        "county:mediator-new": lambda w: recipe(data=w.mediator_form),
        "county:mediator-import": lambda w: recipe(),
        "county:mediator": lambda w: recipe({"pk": w.mediator_record.pk}, data=w.training_body),
        "county:mediator-edit": lambda w: recipe(
            {"pk": w.mediator_record.pk}, data=w.mediator_edit_form
        ),
        "county:claims": lambda w: recipe(data=w.claim_body),
        "county:claim": lambda w: recipe({"pk": w.claim.pk}),
        "county:claim-step [submit]": lambda w: recipe(
            {"pk": w.claim.pk, "name": "submit"}, method="POST", data={}
        ),
        "county:claim-shares": lambda w: recipe(
            {"pk": w.claim.pk, "line": w.claim_line.pk},
            method="POST",
            data={f"share-{w.users['mediator'].pk}": "100"},
        ),
        "county:claim-notice": lambda w: recipe({"pk": w.claim.pk}),
        "county:claim-export": lambda w: recipe({"pk": w.claim.pk}),
        "api:mediators": lambda w: recipe(data=w.mediator_body),
        "api:mediator": lambda w: recipe({"pk": w.mediator_record.pk}),
        "api:mediator-trainings": lambda w: recipe(
            {"pk": w.mediator_record.pk}, data=w.training_body
        ),
        "api:tariffs": lambda w: recipe(data=w.tariff_body),
        "api:claims": lambda w: recipe(data=w.claim_body),
        "api:claim": lambda w: recipe({"pk": w.claim.pk}),
        "api:claim-transition [submit]": lambda w: recipe(
            {"pk": w.claim.pk, "name": "submit"}, method="POST", data={}
        ),
        "api:claim-shares": lambda w: recipe(
            {"pk": w.claim.pk, "line": w.claim_line.pk}, method="POST", data=w.shares_body
        ),
        "api:claim-export": lambda w: recipe({"pk": w.claim.pk}),
    } | review_recipes(recipe)


def add_reviews(w: SimpleNamespace) -> None:
    """An archived case of 东村调委 and two rounds over 青山县 sampling it: `review` scored (its
    notices not issued), `review_done` with its notice issued (for the committee's answer)."""
    from tests.factories import party, walk_to
    from workflows import services as s

    users = w.users
    case = s.case_register(
        actor=users["clerk"], organization=w.east, region=w.east_village,
        dispute_type=w.case.dispute_type, source="application", summary="宅基地纠纷",
        parties=[party("applicant", 41), party("respondent", 42)],
    )  # fmt: skip
    walk_to(case, "archived", clerk=users["clerk"], mediator=users["mediator"],
            director=users["director"])  # fmt: skip
    # redrawn now that 东村调委 has an archived case: the line the shares recipes aim at
    w.claim = s.claim_draft(actor=users["director"], organization=w.east, period=w.period)
    w.claim_line = w.claim.lines.get(case=case)
    w.shares_body = {"shares": [{"mediator": users["mediator"].pk, "share": 100}]}
    today = timezone.localdate().isoformat()
    w.review_body = {"region": w.qingshan.pk, "from": today, "to": today, "other_pct": 100}
    w.score_body = {"scores": dict.fromkeys(FULL_ASPECTS, 0) | {"materials": 20, "follow_up": 15,
                    "documents": 15}}  # fmt: skip
    rounds = []
    for _ in range(2):
        round_ = s.review_open(actor=users["supervisor"], region=w.qingshan, period_from=today,
                               period_to=today, other_pct=100, seed="security")  # fmt: skip
        for item in round_.items.all():
            s.review_score(item, actor=users["supervisor"], scores=w.score_body["scores"])
        rounds.append(round_)
    w.review, w.review_done = rounds
    w.review_item = w.review.items.get(case=case)
    with TestCase.captureOnCommitCallbacks(execute=True):  # its PDF (the fake renderer)
        [w.review_notice] = s.review_issue_notices(w.review_done, actor=users["supervisor"])
    w.review_notice.refresh_from_db()
    assert w.review_notice.file, w.review_notice.error


FULL_ASPECTS = ("acceptance", "materials", "documents", "evidence", "law", "follow_up", "filing")


def review_recipes(recipe) -> dict:
    def score_form(w) -> dict:
        scores = w.score_body["scores"]
        return {f"score-{k}": v for k, v in scores.items()}

    return {
        "county:reviews": lambda w: recipe(
            data={
                "region": w.qingshan.pk,
                "period_from": w.review_body["from"],
                "period_to": w.review_body["to"],
                "confirmed_pct": 10,
                "other_pct": 100,
                "min_per_committee": 1,
                "seed": "",
            }
        ),  # fmt: skip
        "county:review": lambda w: recipe({"pk": w.review.pk}, data={}),
        "county:review-item": lambda w: recipe(
            {"pk": w.review.pk, "item": w.review_item.pk}, data=score_form(w)
        ),
        "county:review-notice": lambda w: recipe(
            {"pk": w.review_done.pk, "notice": w.review_notice.pk}, data={"answer": "已整改"}
        ),
        "api:reviews": lambda w: recipe(data=w.review_body),
        "api:review-items": lambda w: recipe({"pk": w.review.pk}),
        "api:review-score": lambda w: recipe(
            {"pk": w.review.pk, "item": w.review_item.pk}, method="POST", data=w.score_body
        ),
        "api:review-report": lambda w: recipe({"pk": w.review.pk}),
        "api:review-notices": lambda w: recipe({"pk": w.review.pk}, data={}),
        "county:review-notice-pdf": lambda w: recipe(
            {"pk": w.review_done.pk, "notice": w.review_notice.pk}
        ),
        "api:review-notice-pdf": lambda w: recipe(
            {"pk": w.review_done.pk, "notice": w.review_notice.pk}
        ),
        "api:review-answer": lambda w: recipe(
            {"pk": w.review_done.pk, "notice": w.review_notice.pk},
            method="POST",
            data={"answer": "已整改"},
        ),  # fmt: skip
    }


# --- for tests/api/test_fuzz.py: real rows of the county's endpoints to aim at ----------------
def fuzz_rows(world) -> None:
    """A draft claim of 东村调委 for this quarter and a review round over 青山县 (after the
    fixture's cases, one of them archived)."""
    from django.contrib.auth import get_user_model

    from workflows import services as s

    users = {u.username: u for u in get_user_model().objects.all()}
    today = timezone.localdate()
    s.claim_draft(actor=users["director"], organization=world["east"],
                  period=f"{today.year}-Q{(today.month - 1) // 3 + 1}")  # fmt: skip
    s.review_open(actor=users["supervisor"], region=world["qingshan"], period_from=today,
                  period_to=today, other_pct=100)  # fmt: skip


def fuzz_ids(path: str) -> list:
    from county.models import Claim, ReviewRound

    if path.startswith("/api/v1/mediators/"):
        return list(MediatorRecord.objects.values_list("pk", flat=True))
    if path.startswith("/api/v1/subsidies/claims/"):
        return list(Claim.objects.values_list("pk", flat=True))
    if path.startswith("/api/v1/reviews/"):
        return list(ReviewRound.objects.values_list("pk", flat=True))
    return []
