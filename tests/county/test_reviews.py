"""File review rounds (issue 17, "Done when"): a round over 青山县 with seed S samples the same
cases twice, pre-fills 材料齐全 and 回访及时 correctly for a complete and an incomplete file, and
issues the notices (整改通知) the committee answers; a failed file drops out of 以案定补."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from county.models import ReviewItem
from tests.county.conftest import at
from workflows import services as s
from workflows.services.reviews import review_report

pytestmark = pytest.mark.django_db
FULL = {"acceptance": 10, "materials": 20, "documents": 15, "evidence": 15, "law": 15,
        "follow_up": 15, "filing": 10}  # fmt: skip


def open_round(world, supervisor, seed="S-2026", **extra):
    with at(10, 3):
        return s.review_open(
            actor=supervisor, region=world["qingshan"], period_from="2026-07-01",
            period_to="2026-09-30", seed=seed, **({"other_pct": 100} | extra),
        )  # fmt: skip


def test_the_same_seed_draws_the_same_sample(world, files, supervisor):
    sampled = [
        sorted(open_round(world, supervisor, other_pct=40).items.values_list("case", flat=True))
        for _ in range(2)
    ]
    assert sampled[0] == sampled[1] and len(sampled[0]) == 2  # ceil(3 × 40 %)
    other = {tuple(sorted(open_round(world, supervisor, seed=f"X{i}", other_pct=40)
                          .items.values_list("case", flat=True))) for i in range(12)}  # fmt: skip
    assert len(other) > 1  # another seed may draw another sample
    minimum = open_round(world, supervisor, other_pct=0, min_per_committee=1)
    assert minimum.items.count() == 1  # at least one per committee
    assert open_round(world, supervisor).seed == "S-2026"


def test_prefill_for_complete_incomplete_and_late_files(world, files, supervisor):
    round_ = open_round(world, supervisor)
    item = {i.case_id: i for i in round_.items.all()}
    complete, incomplete = item[files["complete"].pk], item[files["incomplete"].pk]
    late = item[files["late"].pk]
    assert complete.prefill["materials"] == [20, "卷宗材料齐全"]
    assert complete.prefill["follow_up"] == [15, "按期回访"]
    # 7 of its 8 required documents (APP REG NOT INV MED AGR CLS FUV): 20 × 7/8, rounded down
    assert incomplete.prefill["materials"] == [17, "缺少：人民调解调查记录"]
    assert incomplete.prefill["documents"] == [10, "1份文书生成失败"]
    # visited when its case was closed: on time, whatever its dossier lacks
    assert incomplete.prefill["follow_up"] == [15, "按期回访"]
    assert late.prefill["follow_up"][0] == 7 and "回访晚于期限" in late.prefill["follow_up"][1]


def test_scoring_notices_answers_report_and_the_subsidy_gate(
    world, files, supervisor, township, director, outsider, mediator
):
    round_ = open_round(world, supervisor)
    items = {i.case_id: i for i in round_.items.all()}
    complete, incomplete = items[files["complete"].pk], items[files["incomplete"].pk]
    late = items[files["late"].pk]
    with pytest.raises(NotFound):
        s.review_score(complete, actor=outsider, scores=FULL)
    with pytest.raises(PermissionDenied):
        s.review_score(complete, actor=director, scores=FULL)
    s.review_score(complete, actor=supervisor, scores=FULL)
    assert (complete.total, complete.grade) == (100, "excellent")
    # a pre-filled score changed without a reason is refused, with the reason it is accepted
    low = FULL | {"materials": 5, "evidence": 5, "law": 5, "documents": 10, "filing": 5}
    with pytest.raises(InvalidInput) as refused:
        s.review_score(incomplete, actor=supervisor, scores=low)
    assert "材料齐全：系统预填" in refused.value.message
    s.review_score(incomplete, actor=supervisor, scores=low,
                   reasons={"materials": "调查笔录缺失，询问笔录不全"})  # fmt: skip
    assert (incomplete.total, incomplete.grade) == (55, "failed")
    with pytest.raises(InvalidState):
        s.review_issue_notices(round_, actor=supervisor)  # `late` not scored yet
    with pytest.raises(PermissionDenied):  # 东镇 is below the round's 青山县
        s.review_score(late, actor=township, scores=FULL)
    s.review_score(late, actor=supervisor, scores=FULL | {"follow_up": 7})
    assert (late.total, late.grade) == (92, "excellent")
    [notice] = s.review_issue_notices(round_, actor=supervisor)
    deducted = {(d["case"], d["aspect"]) for d in notice.deductions}
    assert (files["incomplete"].number, "materials") in deducted
    assert (files["late"].number, "follow_up") in deducted
    assert not any(d["case"] == files["complete"].number for d in notice.deductions)
    with pytest.raises(InvalidState):
        s.review_score(complete, actor=supervisor, scores=FULL)  # notices issued: scores final
    with pytest.raises(PermissionDenied):
        s.review_answer(notice, actor=mediator, answer="已整改")
    s.review_answer(notice, actor=director, answer="已补齐调查笔录，回访制度已落实")
    assert notice.answered_at is not None
    [row] = review_report(round_)
    assert row["reviewed"] == 3 and row["average"] == "82.3" and row["pass_rate"] == "0.6667"
    # a file failed in the review does not count for 以案定补
    with at(10, 5):
        claim = s.claim_draft(actor=director, organization=world["east"], period="2026-Q3")
    assert files["incomplete"].pk not in set(claim.lines.values_list("case", flat=True))
    excluded = {e["case"]: e["gaps"] for e in claim.excluded}
    # this file lacks a document too; test_rules.py has a failed file with nothing else wrong
    assert excluded[files["incomplete"].pk] == ["卷宗材料不齐全", "卷宗评查不合格"]
    assert ReviewItem.objects.count() == 3


def test_the_review_pages(world, files, supervisor, director, outsider, township):
    from django.test import Client

    def client(user):
        c = Client()
        c.force_login(user)
        return c

    with at(10, 3):
        opened = client(supervisor).post("/county/reviews/", {
            "region": world["qingshan"].pk, "period_from": "2026-07-01",
            "period_to": "2026-09-30", "confirmed_pct": "10", "other_pct": "100",
            "min_per_committee": "1", "seed": "S-2026",
        })  # fmt: skip
    assert opened.status_code == 302
    round_ = ReviewItem.objects.first().round
    page = client(director).get(f"/county/reviews/{round_.pk}/").content.decode()
    assert "S-2026" in page and files["complete"].number in page
    assert client(outsider).get(f"/county/reviews/{round_.pk}/").status_code == 404
    item = round_.items.get(case=files["incomplete"])
    url = f"/county/reviews/{round_.pk}/items/{item.pk}/"
    form = client(supervisor).get(url).content.decode()
    assert "系统预填" in form and 'name="score-materials"' in form
    scores = {f"score-{k}": v for k, v in FULL.items()}
    refused = client(supervisor).post(url, scores)  # 材料齐全 changed without a reason
    assert refused.status_code == 200 and "须说明理由" in refused.content.decode()
    assert client(director).post(url, scores).status_code == 403
    done = client(supervisor).post(
        url, scores | {"reason-materials": "已补齐", "reason-documents": "已重出"}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.total == 100
    for other in round_.items.exclude(pk=item.pk):
        s.review_score(other, actor=supervisor, scores={k: v[0] for k, v in other.prefill.items()}
                       | {"acceptance": 10, "evidence": 15, "law": 15, "filing": 10})  # fmt: skip
    assert client(director).post(f"/county/reviews/{round_.pk}/").status_code == 403
    assert client(supervisor).post(f"/county/reviews/{round_.pk}/").status_code == 302
    notice = round_.notices.get()
    notice_url = f"/county/reviews/{round_.pk}/notices/{notice.pk}/"
    assert "回访及时" in client(director).get(notice_url).content.decode()
    assert client(township).get(notice_url).status_code == 404
    assert client(director).post(notice_url, {"answer": "已落实回访制度"}).status_code == 302
    notice.refresh_from_db()
    assert notice.answer == "已落实回访制度"


def test_review_settings_check_the_total_and_admin_only(world, supervisor, admin_user):
    from django.core.exceptions import ValidationError
    from django.test import Client

    from county.models import ReviewSettings

    with pytest.raises(ValidationError, match="合计须为100分"):
        ReviewSettings(materials=30).full_clean()
    ReviewSettings(materials=25, filing=5).full_clean()
    staff = Client()
    supervisor.is_staff = True
    supervisor.save()
    staff.force_login(supervisor)
    assert staff.get("/admin/county/reviewsettings/").status_code in (302, 403)
    root = Client()
    root.force_login(admin_user)
    assert root.get("/admin/county/reviewsettings/").status_code == 200


def test_the_review_is_a_weighted_part_of_the_ranking(world, files, supervisor):
    from supervision import access, ranking

    round_ = open_round(world, supervisor)
    for item in round_.items.all():
        bad = {"acceptance": 0, "evidence": 0, "law": 0, "filing": 0}  # 50: 不合格
        scores = FULL | bad if item.case_id == files["incomplete"].pk else FULL
        reasons = {a: "复核" for a in item.prefill}
        s.review_score(item, actor=supervisor, scores=scores, reasons=reasons)
    sel = access.selection(supervisor, {"from": "2026-07-01", "to": "2026-09-30"})
    only_review = {"success": 0, "timeliness": 0, "follow_up": 0, "satisfaction": 0, "review": 10}
    result = {r["region"]["name"]: r for r in ranking.ranking(sel, weights=only_review)}
    east = {p["key"]: p for p in result["东镇"]["parts"]}["review"]
    assert (east["num"], east["den"]) == (2, 3) and result["东镇"]["score"] == 66.7
    assert result["北镇"]["score"] is None  # no file reviewed there
    default = {r["region"]["name"]: r for r in ranking.ranking(sel)}
    assert {p["key"]: p for p in default["东镇"]["parts"]}["review"]["weight"] == 0


def test_a_round_keeps_the_maxima_and_thresholds_it_was_opened_with(
    world, files, supervisor, admin_user
):
    from django.test import Client

    from county.models import ReviewSettings

    old = open_round(world, supervisor)
    assert old.maxima == FULL and old.thresholds == {"excellent": 90, "pass": 60}
    # the admin sets other maxima and thresholds afterwards
    root = Client()
    root.force_login(admin_user)
    changed = FULL | {"materials": 25, "filing": 5}
    saved = root.post("/admin/county/reviewsettings/add/", changed | {
        "excellent_from": 95, "pass_from": 80, "answer_days": 30,
    })  # fmt: skip
    assert saved.status_code == 302, saved.content.decode()
    assert ReviewSettings.current().maxima() == changed
    item = old.items.get(case=files["complete"])
    assert item.prefill["materials"] == [20, "卷宗材料齐全"]
    with pytest.raises(InvalidInput, match="材料齐全须为0至20分"):
        s.review_score(item, actor=supervisor, scores=FULL | {"materials": 25, "filing": 5},
                       reasons={"materials": "复核"})  # fmt: skip
    page = Client()
    page.force_login(supervisor)
    form = page.get(f"/county/reviews/{old.pk}/items/{item.pk}/").content.decode()
    assert 'max="20" name="score-materials"' in form and "满分 20" in form
    # graded by the round's own lines: 75 is 合格, 60 合格, 59 不合格, 90 优秀
    for low, total, grade in (
        ({"evidence": 5, "law": 5, "filing": 5}, 75, "passed"),
        ({"evidence": 0, "law": 0, "acceptance": 0, "filing": 10}, 60, "passed"),
        ({"evidence": 0, "law": 0, "acceptance": 0, "filing": 9}, 59, "failed"),
        ({"evidence": 5}, 90, "excellent"),
    ):
        s.review_score(item, actor=supervisor, scores=FULL | low)
        assert (item.total, item.grade) == (total, grade)
    # a round opened now takes the new ones
    new = open_round(world, supervisor, seed="S-2027")
    assert new.maxima == changed and new.thresholds == {"excellent": 95, "pass": 80}
    fresh = new.items.get(case=files["complete"])
    assert fresh.prefill["materials"] == [25, "卷宗材料齐全"]
    s.review_score(fresh, actor=supervisor, scores=changed | {"evidence": 0, "law": 10})
    assert (fresh.total, fresh.grade) == (80, "passed")
    s.review_score(fresh, actor=supervisor, scores=changed | {"evidence": 0, "law": 9})
    assert (fresh.total, fresh.grade) == (79, "failed")
