"""The county's pages: the register with its alerts, a mediator's page (masked for a
supervisor) and a training added, the import page, the claim walked through its pages — the
township's review form (strike, change class, reasons), the steps, the 公示 list with masked
names, the export; outsider 404, wrong role 403, bad input a Chinese message, no inline
script or style (strict CSP)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from county.models import Claim, MediatorRecord
from tests.county.conftest import TZ, at

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def no_inline(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"


def test_register_page_with_alerts(world, director, supervisor, outsider, mediator2):
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=TZ), tick=False):
        page = client(director).get("/county/mediators/")
    html = page.content.decode()
    assert page.status_code == 200
    no_inline(html)
    assert "李调解2026年培训8.0学时，低于最低要求24.0学时" in html
    assert "登记调解员" in html and "名册与补贴" in html
    assert "孙调解" not in client(outsider).get("/county/mediators/").content.decode()
    record = mediator2.mediator_record
    assert client(outsider).get(f"/county/mediators/{record.pk}/").status_code == 404
    sun = MediatorRecord.objects.get(user__username="mediator")
    as_supervisor = client(supervisor).get(f"/county/mediators/{sun.pk}/").content.decode()
    assert sun.id_number not in as_supervisor and sun.id_number[-4:] in as_supervisor
    assert sun.id_number in client(director).get(f"/county/mediators/{sun.pk}/").content.decode()


def test_training_added_and_bad_input(world, director, mediator):
    sun = MediatorRecord.objects.get(user__username="mediator")
    url = f"/county/mediators/{sun.pk}/"
    bad = client(director).post(
        url, {"held_on": "", "topic": "x", "hours": "abc", "organiser": "y"}
    )
    assert bad.status_code == 200 and "请修改以下" in bad.content.decode()
    done = client(director).post(
        url, {"held_on": "2026-06-01", "topic": "法律知识", "hours": "3", "organiser": "县司法局"}
    )
    assert done.status_code == 302
    assert sun.trainings.filter(topic="法律知识").exists()
    # a mediator sees the page but has no form; posting is refused
    page = client(mediator).get(url).content.decode()
    assert "添加培训记录" not in page
    refused = client(mediator).post(
        url, {"held_on": "2026-06-01", "topic": "x", "hours": "3", "organiser": "y"}
    )
    assert refused.status_code == 403


def test_new_mediator_page(world, director, mediator):
    assert client(mediator).get("/county/mediators/new/").status_code == 403
    page = client(director).get("/county/mediators/new/")
    assert page.status_code == 200
    no_inline(page.content.decode())
    data = {
        "name": "高新", "gender": "female", "birth_year": "1990", "id_type": "none",
        "id_number": "", "phone": "13900000099", "organizations": [world["east"].pk],
        "kind": "part_time", "grade": "4", "appointed_on": "2026-01-01",
        "term_ends_on": "2025-01-01", "filed": "on",
    }  # fmt: skip
    bad = client(director).post("/county/mediators/new/", data)
    assert bad.status_code == 200 and "任期届满日期须晚于聘任日期" in bad.content.decode()
    good = client(director).post("/county/mediators/new/", data | {"term_ends_on": "2028-12-31"})
    assert good.status_code == 302 and MediatorRecord.objects.filter(name="高新").exists()


def test_import_page(world, director, mediator):
    assert client(mediator).get("/county/mediators/import/").status_code == 403
    page = client(director).get("/county/mediators/import/")
    assert page.status_code == 200 and "下载导入模板" in page.content.decode()
    template = client(director).get("/county/mediators/template.xlsx")
    assert template.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("名册.csv", "姓名,类别\n张三,专职\n".encode())
    answer = client(director).post("/county/mediators/import/", {"file": upload})
    assert answer.status_code == 200 and "缺少必填列" in answer.content.decode()


def test_a_claim_through_the_pages(quarter, director, township, supervisor, outsider, mediator):
    with at(10, 5):
        drafted = client(director).post(
            "/county/claims/",
            {"organization": quarter["first"].organization_id, "period": "2026-Q3"},
        )
    assert drafted.status_code == 302
    claim = Claim.objects.get()
    url = f"/county/claims/{claim.pk}/"
    assert client(outsider).get(url).status_code == 404
    assert client(outsider).get(url + "notice/").status_code == 404
    assert client(outsider).get(url + "export.xlsx").status_code == 404
    page = client(director).get(url).content.decode()
    no_inline(page)
    assert 'data-step="submit"' in page and "463.33" in page
    # the wrong role: a mediator may not submit
    assert client(mediator).post(url + "steps/submit/", {}).status_code == 403
    with at(10, 6):
        client(director).post(url + "steps/submit/", {"version": claim.version + 0})
        claim.refresh_from_db()
        assert claim.status == "submitted"
        review = client(township).get(url).content.decode()
        assert 'id="review-form"' in review
        first = claim.lines.get(case=quarter["first"])
        failed = claim.lines.get(case=quarter["failed"])
        # a change without a reason: the page says why, nothing changes
        missing = client(township).post(
            url + "steps/review/", {f"line-{first.pk}-difficulty": "major"}, follow=True
        )
        assert "调整须说明理由" in missing.content.decode()
        claim.refresh_from_db()
        assert claim.status == "submitted"
        client(township).post(
            url + "steps/review/",
            {
                f"line-{first.pk}-difficulty": "major",
                f"line-{first.pk}-reason": "涉及多户",
                f"line-{failed.pk}-struck": "on",
                f"line-{failed.pk}-reason": "材料不全",
            },
        )
    claim.refresh_from_db()
    assert (claim.status, str(claim.total)) == ("township_reviewed", "533.33")
    with at(10, 8):
        for step in ("approve", "publish"):
            assert client(supervisor).post(url + f"steps/{step}/", {}).status_code == 302
        notice = client(director).get(url + "notice/").content.decode()
    assert "当事人app1" not in notice and "当*****" in notice
    no_inline(notice)
    claim.refresh_from_db()
    assert claim.status == "published"
    exported = client(director).get(url + "export.xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    # the timeline in words: each step with its states, never the code names
    timeline = client(director).get(url).content.decode().split('class="tj-timeline"')[1]
    timeline = timeline.split("</ol>")[0]
    for words in ("生成草稿", "提交申报（草稿 → 已提交）", "乡镇初审（已提交 → 乡镇已初审）",
                  "县级复核（乡镇已初审 → 县级已复核）", "公示（县级已复核 → 公示中）"):  # fmt: skip
        assert words in timeline
    assert "submit" not in timeline and "township_reviewed" not in timeline


def test_claim_draft_refused_in_chinese(world, director, clerk):
    page = client(director).post(
        "/county/claims/", {"organization": world["east"].pk, "period": "Q4"}
    )
    assert "季度格式为 2026-Q4" in page.content.decode()
    later = client(director).post(
        "/county/claims/", {"organization": world["east"].pk, "period": "2099-Q1"}
    )
    assert "季度尚未开始" in later.content.decode()
    # a clerk sees the list but has no drafting form
    assert "起草季度申报" not in client(clerk).get("/county/claims/").content.decode()


def test_a_renewed_term_through_the_edit_page(world, director, mediator, outsider):
    sun = MediatorRecord.objects.get(user__username="mediator")
    url = f"/county/mediators/{sun.pk}/edit/"
    assert client(mediator).get(url).status_code == 403
    assert client(outsider).get(url).status_code == 404
    page = client(director).get(url)
    assert page.status_code == 200 and sun.id_number in page.content.decode()
    data = {
        "name": sun.name, "id_type": sun.id_type, "id_number": sun.id_number,
        "organizations": [world["east"].pk], "kind": sun.kind, "grade": "1",
        "appointed_on": sun.appointed_on.isoformat(), "term_ends_on": "2031-12-31",
    }  # fmt: skip
    assert client(director).post(url, data).status_code == 302
    sun.refresh_from_db()
    assert (sun.grade, sun.term_ends_on) == (1, dt.date(2031, 12, 31))
    assert sun.user.username == "mediator"  # the account stays linked
