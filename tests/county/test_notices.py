"""The 整改通知 as an official document (RVW, SPEC §15): numbered gap-free per issuing county and
year, rendered after commit into a private PDF with its hash, downloaded by whoever sees the
notice (page and API), checked on the real PDF with poppler."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from core.errors import InvalidState
from county.models import ReviewNotice
from tests.api import api
from tests.county.conftest import TZ, at
from tests.county.test_reviews import open_round
from workflows import services as s
from workflows.services import reviews

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^（(\d{4})）青山县评查整改字第(\d{4})号$")


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def scored_round(world, supervisor, seed="S-2026"):
    """A round over 青山县 with every file scored; `incomplete` loses 材料齐全 points."""
    round_ = open_round(world, supervisor, seed=seed)
    for item in round_.items.all():
        scores = {k: v[0] for k, v in item.prefill.items()} | {
            "acceptance": 10, "evidence": 12, "law": 15, "filing": 10}  # fmt: skip
        s.review_score(item, actor=supervisor, scores=scores)
    return round_


def issue(round_, supervisor, capture):
    with at(10, 20), capture(execute=True):
        return s.review_issue_notices(round_, actor=supervisor)


def test_numbers_are_gap_free_per_county_and_year(
    world, files, supervisor, django_capture_on_commit_callbacks
):
    first = scored_round(world, supervisor)
    [notice] = issue(first, supervisor, django_capture_on_commit_callbacks)
    assert notice.number == "（2026）青山县评查整改字第0001号"
    assert notice.issuer == world["qingshan"] and (notice.year, notice.seq) == (2026, 1)
    # issuing again keeps the notice, its number and its file
    [again] = issue(first, supervisor, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    notice.refresh_from_db()
    assert again.pk == notice.pk and again.number == notice.number and again.file
    # a transaction rolled back takes its number back with it
    second = scored_round(world, supervisor, seed="other")
    with pytest.raises(RuntimeError), transaction.atomic():
        s.review_issue_notices(second, actor=supervisor)
        raise RuntimeError("rolled back")
    assert not ReviewNotice.objects.filter(round=second).exists()
    [next_one] = issue(second, supervisor, django_capture_on_commit_callbacks)
    assert next_one.number == "（2026）青山县评查整改字第0002号"
    # a new year starts again at 1
    third = scored_round(world, supervisor, seed="2027")
    new_year_day = dt.datetime(2027, 1, 4, 10, 0, tzinfo=TZ)
    with (
        time_machine.travel(new_year_day, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        [new_year] = s.review_issue_notices(third, actor=supervisor)
    assert new_year.number == "（2027）青山县评查整改字第0001号"
    assert [NUMBER.match(n.number).group(2) for n in ReviewNotice.objects.order_by("pk")] == [
        "0001", "0002", "0001"]  # fmt: skip


def test_the_notice_context_lists_every_deduction(
    world, files, supervisor, django_capture_on_commit_callbacks
):
    round_ = scored_round(world, supervisor)
    [notice] = issue(round_, supervisor, django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    context = reviews.notice_context(notice)
    assert context["document"]["number"] == notice.number
    assert context["issuer"]["name"] == "青山县司法局"
    assert context["answer_by"] == "2026-11-19"  # 30 days after 2026-10-20 (ReviewSettings)
    rows = {(c["number"], d["aspect"]): d for c in context["cases"] for d in c["deductions"]}
    materials = rows[(files["incomplete"].number, "materials")]
    assert materials["max"] == 20 and materials["score"] < 20 and materials["reason"]
    evidence = rows[(files["complete"].number, "evidence")]
    assert (evidence["max"], evidence["score"], evidence["deducted"]) == (15, 12, 3)
    # stored as rendered: the file's hash is the one recorded
    data = notice.file.read()
    assert hashlib.sha256(data).hexdigest() == notice.sha256 and data.startswith(b"%PDF")
    assert notice.file.name.startswith("notices/") and notice.error == ""


def test_a_failed_render_is_recorded_and_issuing_again_retries(
    world, files, supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    from documents import renderer

    round_ = scored_round(world, supervisor)
    good = renderer.render_html

    def broken(html, context):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(renderer, "render_html", broken)
    [notice] = issue(round_, supervisor, django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    assert not notice.file and "字体缺失" in notice.error
    with pytest.raises(InvalidState, match="生成失败"):
        reviews.notice_pdf(supervisor, round_, notice.pk)
    monkeypatch.setattr(renderer, "render_html", good)
    issue(round_, supervisor, django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    assert notice.file and notice.error == "" and notice.number.endswith("第0001号")


def test_download_page_and_api_in_the_notice_scope(
    world, files, supervisor, director, township, outsider, django_capture_on_commit_callbacks
):
    round_ = scored_round(world, supervisor)
    with at(10, 20), django_capture_on_commit_callbacks(execute=True):
        assert client(supervisor).post(f"/county/reviews/{round_.pk}/").status_code == 302
    notice = round_.notices.get()
    page = client(director).get(f"/county/reviews/{round_.pk}/").content.decode()
    pdf = f"/county/reviews/{round_.pk}/notices/{notice.pk}/pdf/"
    assert notice.number in page and pdf in page
    assert (
        pdf
        in client(director)
        .get(f"/county/reviews/{round_.pk}/notices/{notice.pk}/")
        .content.decode()
    )
    got = client(director).get(pdf)
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content) == notice.file.open("rb").read()
    assert client(supervisor).get(pdf).status_code == 200
    assert client(township).get(pdf).status_code == 404  # not one of its files
    assert client(outsider).get(pdf).status_code == 404
    # the API: `pdf_url` in the notice, the PDF, JSON errors
    listed = api(director).get(f"/api/v1/reviews/{round_.pk}/notices/").json()
    assert listed[0]["number"] == notice.number and listed[0]["answer_by"] == "2026-11-19"
    assert listed[0]["pdf_url"].endswith(f"/api/v1/reviews/{round_.pk}/notices/{notice.pk}/pdf/")
    answer = api(director).get(listed[0]["pdf_url"])
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["ETag"] == f'"{notice.sha256}"'
    missing = api(outsider).get(f"/api/v1/reviews/{round_.pk}/notices/{notice.pk}/pdf/")
    assert missing.status_code == 404 and missing.json()["error"]["code"]
    assert (
        api(township).get(f"/api/v1/reviews/{round_.pk}/notices/{notice.pk}/pdf/").status_code
        == 404
    )
    # not rendered yet: the page says so, the API answers 409 in JSON
    ReviewNotice.objects.filter(pk=notice.pk).update(file="")
    waiting = client(director).get(pdf, follow=True)
    assert "尚未生成" in waiting.content.decode()
    pending = api(director).get(f"/api/v1/reviews/{round_.pk}/notices/{notice.pk}/pdf/")
    assert pending.status_code == 409 and pending.json()["error"]["code"] == "invalid_state"
    assert api(director).get(f"/api/v1/reviews/{round_.pk}/notices/").json()[0]["pdf_url"] is None


@pytest.mark.real_pdf
def test_the_rvw_pdf_text_and_fonts(
    world, files, supervisor, tmp_path, django_capture_on_commit_callbacks
):
    round_ = scored_round(world, supervisor)
    [notice] = issue(round_, supervisor, django_capture_on_commit_callbacks)
    notice.refresh_from_db()
    path = tmp_path / "rvw.pdf"
    path.write_bytes(notice.file.read())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    assert "卷宗评查整改通知书" in flat
    assert "（2026）青山县评查整改字第0001号" in flat
    assert world["east"].name in flat and "青山县司法局" in flat
    assert "2026年7月1日至2026年9月30日" in flat
    incomplete = next(
        d for d in notice.deductions
        if d["case"] == files["incomplete"].number and d["aspect"] == "materials"
    )  # fmt: skip
    assert files["incomplete"].number in flat
    reason = re.sub(r"\s+", "", incomplete["reason"])
    assert f"材料齐全20{incomplete['score']}{reason}" in flat
    assert "证据充分1512" in flat  # every case lost 3 points on 证据充分
    assert "2026年11月19日前" in flat  # the answer deadline
    assert "2026年10月20日" in flat  # issued on
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True).stdout
    rows = [line.split() for line in fonts.decode().splitlines()[2:]]
    assert rows and all("Noto-Serif-CJK-SC" in row[0] for row in rows)
    assert all((row[-5], row[-4]) == ("yes", "yes") for row in rows)
