"""Issue 15's "done when" (SPEC §13) through the pages, in Chromium: a court's pre-litigation
referral (法院诉前委派) is reported on the lead form with the court's own reference and a photo;
the clerk converts it to a case with nothing retyped, and the case page links back to the lead;
the case runs to its end (accepted, investigated, mediated, agreed, closure approved, visited,
archived); the court's 反馈函 (FBK) is issued and its PDF bears the court's reference, the lead's
and the case's numbers; the supervisor's 排查 table of the month counts the lead in 东村's row
(and 东镇小计, 合计, the 邻里 row) as found, handled and handled well.

The same chain through the API is tests/screening/test_done_when_api.py. On the pages the grid
worker reports it on a 375-px phone: a matter handed over by a court goes under the folded
"由法院、公安、信访或12345转来？" line of the lead form (来源渠道, 移送单位, 移送单位文号, the day it came).
The grid worker gives no dispute type; the clerk picks it when converting (a choice, not a
retyping). The last two tests are about the table page: it is linked from the 排查 pages, and
a month typed into it as it opens (with this month's dates still in the form) is that month.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_referral_walk.py`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case, Region
from documents.models import Document
from screening.models import Lead
from supervision.screening_stats import COLUMNS, text
from tests.e2e.screens import PHONE
from tests.e2e.test_browser import (
    act,
    agreement,
    follow_up,
    investigation,
    login,
    open_task,
    session,
    status_badge,
)
from tests.screening.conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.real_pdf]

COURT = "青山县人民法院"
REFERENCE = "（2026）青01民诉前调123号"
WHAT = "两户因排水沟堵塞争吵，法院诉前委派调解"
PLACE = "东村一组"
SUMMARY = f"{WHAT}（地点：{PLACE}）"  # what the case is registered with, from the lead
# the figures of the table the walk changes, by their column labels (supervision.screening_stats)
LABEL = {key: label for key, label, _kind, _what in COLUMNS}
COUNTED = ("leads", "handled", "handled_success")
UNCHANGED = ("leads_major", "referred", "sweeps_reported")


# --- the 排查 table as the page prints it -------------------------------------------------
READ_TABLE = """(table) => {
  // {row name: {期间: {column label: cell text}}}, the header naming each cell
  const header = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const rows = {};
  for (const tr of table.querySelectorAll("tbody tr")) {
    const cells = [...tr.querySelectorAll("td")].map((td) => td.textContent.trim());
    const line = {};
    header.slice(1).forEach((label, i) => { line[label] = cells[i]; });
    (rows[tr.dataset.row] ||= {})[tr.dataset.period] = line;
  }
  return rows;
}"""


def screening_table(page: Page, region_pk: int, month: str) -> tuple[dict, dict]:
    """The supervisor asks for the table of `month` over the region: (by region, by type)."""
    page.goto("/screening/stats/")
    page.select_option("select[name=region]", str(region_pk))
    page.fill("input[name=period]", month)  # over the dates the page filled in
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".sv-note")).to_contain_text(f"本期：{month}-01")
    expect(page.locator("#screening-regions thead th").first).to_have_text("单位")
    by_region = page.locator("#screening-regions").evaluate(READ_TABLE)
    by_type = page.locator("#screening-types").evaluate(READ_TABLE)
    return by_region, by_type


def figures(line: dict, keys) -> dict:
    return {key: line[LABEL[key]] for key in keys}


def counted(line: dict) -> dict:
    return {key: int(value) for key, value in figures(line, COUNTED).items()}


def rate(numerator: int, denominator: int) -> str:
    """The page's printed rate (supervision.screening_stats.text), — when there is nothing."""
    return text(numerator / denominator if denominator else None, "pct")


# --- the lead form ------------------------------------------------------------------------
def attach_photo(page: Page) -> None:
    page.set_input_files(
        "#id_photos",
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg(size=(800, 600))},
    )
    expect(page.locator(".tj-photos__preview img")).to_have_count(1)  # photos.js is done
    expect(page.locator("#id_photos[data-shrinking]")).to_have_count(0)


def report_the_referral(page: Page, east_grid) -> Lead:
    """The grid worker on the phone: the fewest fields, a photo, and the folded referral."""
    page.locator("[data-report-lead]").first.tap()  # the first thing on a grid worker's home
    expect(page.get_by_role("heading", name="上报线索")).to_be_visible()
    expect(page.locator("#id_dispute_type")).to_have_count(0)  # a committee's choice
    page.select_option("#id_region", label=east_grid.full_name)
    page.fill("#id_place", PLACE)
    page.fill("#id_description", WHAT)
    page.fill("#id_people_involved", "2")
    page.fill("#id_person_name", "王大明")
    page.fill("#id_person_phone", "13811112222")
    expect(page.locator("#id_channel")).to_be_hidden()  # folded: the usual report is shorter
    page.locator("#lead-referral summary").tap()
    page.select_option("#id_channel", label="法院委派（诉前）")
    page.fill("#id_sender", COURT)
    page.fill("#id_sender_reference", REFERENCE)
    attach_photo(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the lead form scrolls sideways: {width}px"
    page.locator("#submit-lead").tap()
    expect(page).to_have_url(re.compile(r"/screening/\d+/$"))
    lead = Lead.objects.get(description=WHAT)
    expect(page.get_by_role("heading", name=lead.number)).to_be_visible()
    expect(page.get_by_text(f"已上报线索{lead.number}")).to_be_visible()
    expect(page.locator("[data-status=reported]")).to_be_visible()
    expect(page.locator(".tj-lead-photos img")).to_have_count(1)
    source = page.locator("dt", has_text="来源").locator("xpath=following-sibling::dd[1]")
    expect(source).to_have_text(f"法院委派（诉前） · {COURT} · {REFERENCE}")
    expect(page.locator("#lead-feedback")).to_contain_text("待反馈")
    expect(page.locator("#lead-feedback")).to_contain_text("诉前调解期限30日")
    return lead


def pdf_text(path: str) -> str:
    """The PDF's text (pdftotext -layout) without its white space: a table cell or a line
    break may cut a number anywhere."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", path, "-"], check=True, capture_output=True
    ).stdout.decode()
    return re.sub(r"\s+", "", out)


# --- the walk -----------------------------------------------------------------------------
def test_a_court_referral_walks_from_the_lead_form_to_the_fbk_and_the_screening_table(
    new_page, world
):
    east_grid = Region.objects.get(name="东村第一网格")
    month = timezone.localdate().strftime("%Y-%m")

    # the supervisor's table of the month before: what the walk adds is measured against it
    supervisor = new_page()
    login(supervisor, "supervisor")
    regions_before, types_before = screening_table(supervisor, world["qingshan"].pk, month)
    in_village = Lead.objects.filter(
        region__path__startswith=world["east_village"].path, found_on__gte=f"{month}-01"
    ).count()
    assert counted(regions_before["东村"]["本期"])["leads"] == in_village

    # 1. the grid worker reports the court's referral from the phone, with the court's
    # reference and a photo
    phone = new_page(**PHONE)
    login(phone, "grid")
    lead = report_the_referral(phone, east_grid)
    assert (lead.channel, lead.sender, lead.sender_reference) == ("court", COURT, REFERENCE)
    assert lead.photos.count() == 1 and lead.expects_feedback
    assert lead.dispute_type_id is None

    # 2. the clerk, at a desk, finds it among the leads to triage
    clerk = new_page()
    login(clerk, "clerk")
    clerk.goto(f"/screening/{lead.pk}/")
    source = clerk.locator("dt", has_text="来源").locator("xpath=following-sibling::dd[1]")
    expect(source).to_have_text(f"法院委派（诉前） · {COURT} · {REFERENCE}")
    expect(clerk.locator("#lead-feedback")).to_contain_text("待反馈")
    expect(clerk.locator("#lead-feedback")).to_contain_text("诉前调解期限30日")
    expect(clerk.locator(".tj-lead-photos img")).to_have_count(1)

    # 3. 转为案件: the page shows what the case takes from the lead; nothing is typed
    clerk.locator("[data-transition=to_case]").click()
    expect(clerk).to_have_url(re.compile(rf"/screening/{lead.pk}/act/to_case/$"))
    preview = clerk.locator("#case-preview")
    expect(preview).to_contain_text(SUMMARY)
    expect(preview).to_contain_text("申请人：王大明")
    expect(preview).to_contain_text(east_grid.full_name)
    form = clerk.locator("form", has=clerk.get_by_role("button", name="确定"))
    fields = form.locator("input:not([type=hidden]), select, textarea")
    expect(fields).to_have_count(1)  # nothing typed: only the dispute type, a choice
    clerk.select_option("#id_dispute_type", label=world["neighbour"].name)
    clerk.get_by_role("button", name="确定").click()
    expect(clerk).to_have_url(re.compile(r"/cases/\d+/$"))
    expect(clerk.get_by_text(f"{lead.number}：已办理“转为案件”")).to_be_visible()
    case = Case.objects.get(lead=lead)
    expect(clerk.locator("h1")).to_have_text(case.number)
    status_badge(clerk, "受理")
    record = clerk.locator(".tj-record").first
    expect(record).to_contain_text(SUMMARY)
    expect(record).to_contain_text(east_grid.full_name)
    expect(record).to_contain_text("邻里")
    expect(record).to_contain_text("法院委托")
    expect(clerk.locator("#case-lead")).to_have_text(lead.number)
    expect(clerk.locator("#case-lead")).to_have_attribute("href", f"/screening/{lead.pk}/")
    expect(clerk.locator("#parties")).to_contain_text("王大明")
    assert (case.summary, case.source, case.region_id) == (SUMMARY, "court_referral", east_grid.pk)
    assert case.organization == world["east"] and case.dispute_type == world["neighbour"]
    assert [(p.name, p.role, p.phone) for p in case.parties.all()] == [
        ("王大明", "applicant", "13811112222")
    ]

    # the lead form takes one person: the respondent the court named is added on the case
    def respondent(p: Page) -> None:
        p.select_option("#id_role", value="respondent")
        p.select_option("#id_kind", label="自然人")
        p.fill("#id_name", "李小红")

    act(clerk, "party_add", respondent)
    expect(clerk.locator("#parties")).to_contain_text("李小红")

    # 4. the case runs to its end
    open_task(clerk, case.number, "intake")
    act(clerk, "accept", lambda p: p.get_by_label("孙调解").check())
    status_badge(clerk, "调查")

    mediator = new_page()
    login(mediator, "mediator")
    open_task(mediator, case.number, "investigate")
    act(mediator, "investigation_add", investigation)
    act(mediator, "start_mediation")
    status_badge(mediator, "调解")
    act(mediator, "session_add", session)
    act(mediator, "record_agreement", agreement)
    status_badge(mediator, "结案")

    director = new_page()
    login(director, "director")
    open_task(director, case.number, "approve_closure")
    act(director, "approve_closure", lambda p: p.fill("#id_summary_of_work", "经调解达成协议"))
    status_badge(director, "回访")
    # the closure issued the court's 反馈函 with the closing documents
    expect(director.locator("#documents tr[data-doc=FBK]")).to_contain_text("已出具")

    open_task(mediator, case.number, "follow_up")
    act(mediator, "follow_up_add", follow_up)

    open_task(clerk, case.number, "archive")
    act(clerk, "archive")
    status_badge(clerk, "归档")
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("archived", "agreement_written")

    # 5. the FBK, issued once, downloaded from the case page: the court's reference in it
    row = clerk.locator("#documents tr[data-doc=FBK]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("矛盾纠纷调处情况反馈函")
    expect(row).to_contain_text("已出具")
    with clerk.expect_download() as info:
        row.get_by_role("link", name="下载").click()
    path = info.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF-")
    fbk = Document.objects.get(case=case, code="FBK", status="issued")
    expect(row).to_contain_text(fbk.number)
    flat = pdf_text(path)
    for wanted in (REFERENCE, COURT, lead.number, case.number, "诉前调解"):
        assert wanted in flat, f"the FBK does not say {wanted}: {flat[:400]}"

    # the lead page, from the case's link: converted, its case linked, the feedback sent
    clerk.locator("#case-lead").click()
    expect(clerk).to_have_url(re.compile(rf"/screening/{lead.pk}/$"))
    expect(clerk.locator("[data-status=converted]")).to_be_visible()
    expect(clerk.locator("#lead-case")).to_have_text(case.number)
    expect(clerk.locator("#lead-feedback")).to_contain_text("已发出")
    expect(clerk.locator("#lead-actions")).to_have_count(0)  # nothing left to do on it
    lead.refresh_from_db()
    assert lead.feedback_sent_at is not None

    # 6. the 排查 table of the month: one more lead in 东村 (东镇小计, 合计, 邻里), handled and
    # handled well; nothing else moves
    regions, types = screening_table(supervisor, world["qingshan"].pk, month)
    changed = {("region", "东村"), ("region", "东镇小计"), ("region", "合计")}
    changed |= {("type", "邻里"), ("type", "合计")}
    for kind, after, before in (("region", regions, regions_before), ("type", types, types_before)):
        assert after.keys() == before.keys()
        for name in after:
            step = 1 if (kind, name) in changed else 0
            for period in ("本期", "本年累计"):
                now, then = after[name][period], before[name][period]
                where = f"{kind} {name} {period}"
                assert counted(now) == {k: v + step for k, v in counted(then).items()}, where
                if kind == "region":
                    assert figures(now, UNCHANGED) == figures(then, UNCHANGED), where
                n = counted(now)
                assert now[LABEL["handled_rate"]] == rate(n["handled"], n["leads"]), where
                assert now[LABEL["success_rate"]] == rate(n["handled_success"], n["handled"])
    assert counted(regions["东村"]["本期"])["leads"] == in_village + 1


def test_the_screening_table_is_a_link_from_the_screening_pages(new_page, world):
    """A supervisor finds 排查统计表 from 排查 (the pages' sub-navigation), as 线索 and 排查活动."""
    page = new_page()
    login(page, "supervisor")
    page.get_by_role("navigation").get_by_role("link", name="排查").click()
    expect(page).to_have_url(re.compile(r"/screening/$"))
    page.locator(".tj-subnav").get_by_role("link", name="排查统计表").click()
    expect(page).to_have_url(re.compile(r"/screening/stats/$"))
    expect(
        page.get_by_role("heading", name=re.compile("矛盾纠纷排查调处情况统计表"))
    ).to_be_visible()


def test_typing_a_month_on_the_table_page_asks_for_that_month(new_page, world):
    """The table page opens on this month; a supervisor types a month into 统计期间 and asks:
    the table of that month, not "请只填写统计期间（period）或起止日期（from/to）之一"."""
    page = new_page()
    login(page, "supervisor")
    page.goto("/screening/stats/")
    month = timezone.localdate().strftime("%Y-%m")
    page.fill("input[name=period]", month)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".sv-error")).to_have_count(0)
    expect(page.locator(".sv-note")).to_contain_text(f"本期：{month}-01")
