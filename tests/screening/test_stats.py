"""The 排查 table (矛盾纠纷排查调处情况统计表, SPEC §13): the figures of
supervision.screening_stats, and that the sweep page, the table page, the API and the .xlsx all
say the same for a sweep over 青山县; 白水县 never counts in 青山县."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Case
from core.errors import InvalidInput, NotFound
from screening.progress import sweep_progress
from supervision import screening_stats as stats
from tests.factories import walk_to
from workflows import services as s

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def sweep(supervisor, world):
    today = timezone.localdate()
    return s.sweep_open(
        actor=supervisor,
        region=world["qingshan"],
        name="元旦春节前矛盾纠纷大排查",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=7),
    )


@pytest.fixture
def scene(sweep, report, world, clerk, director, mediator, outsider):
    """Four leads of the grid in the sweep: one (6 people, violence and petition history)
    converted to a case that ends in a written agreement, one resolved on site, one referred, one
    open; 东村调委 files a zero report; a lead of 西村 (白水县) by the outsider."""
    many = [{"name": f"村民{i}"} for i in range(6)]
    agreed = report(people=many, risk_factors=["violence_threat", "petition_history"], sweep=sweep)
    s.lead_transition(agreed, "to_case", actor=clerk, version=None)
    agreed.refresh_from_db()
    # a critical case is reported to the police first (人民调解法第25条): not what is tested here
    Case.objects.filter(pk=agreed.case_id).update(risk_reported_at=timezone.now())
    agreed.case.refresh_from_db()
    walk_to(agreed.case, "follow_up", clerk=clerk, mediator=mediator, director=director)
    resolved = report(sweep=sweep, place="东村二组")
    s.lead_transition(resolved, "resolve_on_site", actor=mediator, version=None, note="当场劝和")
    referred = report(sweep=sweep, place="东村三组", dispute_type=None)
    s.lead_transition(
        referred,
        "refer",
        actor=clerk,
        version=None,
        receiver="police",
        reason="涉嫌治安案件",
        feedback_due=timezone.localdate() + dt.timedelta(days=5),
    )
    report(sweep=sweep, place="东村四组")
    s.sweep_report(sweep, actor=clerk, region=world["east_village"], zero=True)
    baishui = s.lead_report(
        actor=outsider,
        region=world["west_village"],
        description="西村两户争地",
        people_involved=12,
        dispute_type=world["neighbour"],
    )
    return {"agreed": agreed, "resolved": resolved, "referred": referred, "baishui": baishui}


def month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def table_for(user, region, period=None):
    sel = stats.selection(user, {"region": str(region.pk), "period": period or month()})
    return stats.screening_table(sel)


def test_periods():
    assert stats.parse_period("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert stats.parse_period("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert stats.parse_period("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert stats.parse_period("2026-H1") == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert stats.parse_period("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    for bad in ("2026-13", "2026-Q5", "26", "2026-H3", "1999", "x"):
        with pytest.raises(InvalidInput):
            stats.parse_period(bad)


def test_the_columns_count_what_they_say(scene, supervisor, world):
    t = table_for(supervisor, world["qingshan"])
    assert t["leads"] == 4
    assert t["leads_major"] == 1  # the 6 people
    assert t["handled"] == 2  # converted + resolved on site
    assert t["handled_success"] == 2  # resolved + the case that ended in agreement
    assert t["referred"] == 1
    assert t["handled_rate"] == 0.5 and t["success_rate"] == 1.0
    assert t["prevented_criminal"] == 1
    assert t["prevented_group_petition"] == 1
    assert t["prevented_group_fight"] == 0  # fewer than 10 people
    assert t["sweeps_reported"] == 2  # the grid (by its leads) and 东村调委's zero report
    rows = {r["name"]: r for r in t["by_child_region"]}
    assert [r["kind"] for r in t["by_child_region"]][-1] == "subtotal"
    for name in ("东村", "东镇小计"):
        assert (rows[name]["handled"], rows[name]["handled_success"]) == (2, 2)
        assert rows[name]["leads"] == 4
    types = {r["name"]: r for r in t["by_dispute_type"]}
    assert types["邻里"]["leads"] == 3 and types["邻里"]["handled_success"] == 2
    assert types["未分类"]["leads"] == 1 and types["未分类"]["referred"] == 1
    assert t["year_to_date"]["leads"] == 4
    assert t["year_to_date"]["date_from"] == timezone.localdate().replace(month=1, day=1)


def test_a_case_not_ended_in_agreement_is_handled_but_not_success(
    sweep, report, clerk, supervisor, world
):
    lead = report(sweep=sweep)
    s.lead_transition(lead, "to_case", actor=clerk, version=None)
    t = table_for(supervisor, world["qingshan"])
    assert (t["handled"], t["handled_success"], t["success_rate"]) == (1, 0, 0.0)


def test_baishui_never_counts_in_qingshan(scene, supervisor, supervisor_city, outsider, world):
    assert table_for(supervisor, world["qingshan"])["leads"] == 4
    city = table_for(supervisor_city, world["city"])
    rows = {r["name"]: r for r in city["by_child_region"]}
    assert rows["青山县小计"]["leads"] == 4
    assert rows["白水县小计"]["leads"] == 1
    assert rows["白水县小计"]["leads_major"] == 1
    assert city["leads"] == 5
    own = table_for(outsider, world["west_village"])
    assert own["leads"] == 1
    r = client_for(outsider).get("/screening/stats/", {"region": world["qingshan"].pk})
    assert r.status_code == 404
    r = client_for(outsider).get("/api/v1/stats/screening/", {"region": world["qingshan"].pk})
    assert r.status_code == 404
    assert client_for(outsider).get("/api/v1/stats/screening/").json()["leads"] == 1


def test_committee_staff_see_their_committee(scene, clerk, world):
    t = table_for(clerk, world["east_village"])
    assert t["leads"] == 4
    with pytest.raises(NotFound):
        table_for(clerk, world["qingshan"])


def _page_totals(html: str) -> list[str]:
    row = re.search(r'data-row="合计" data-period="本期">(.*?)</tr>', html, re.S)
    assert row, "the 合计 row"
    return re.findall(r"<td>(.*?)</td>", row.group(1))


def test_sweep_page_table_api_and_xlsx_agree(scene, sweep, supervisor, world):
    c = client_for(supervisor)
    progress = sweep_progress(sweep)
    expected = {
        "sweeps_reported": sum(p.status in ("reported", "zero") for p in progress),
        "leads": sum(p.leads for p in progress),
        "handled": sum(p.resolved for p in progress),
    }
    sweep_page = c.get(f"/screening/sweeps/{sweep.pk}/")
    assert sweep_page.status_code == 200
    shown_on_sweep = sweep_page.content.decode()
    counts = re.search(r"已报告 (\d+) · 零报告 (\d+) · 未报告 (\d+)", shown_on_sweep)
    assert counts and int(counts[1]) + int(counts[2]) == expected["sweeps_reported"]
    total_row = re.search(
        r"<strong>合计</strong></td><td></td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>"
        r"<td>(\d+)</td>",
        shown_on_sweep,
    )
    assert total_row, "the sweep page's 合计 row"
    assert int(total_row[1]) == expected["leads"] and int(total_row[4]) == expected["handled"]
    query = {"region": world["qingshan"].pk, "period": month()}
    api = c.get("/api/v1/stats/screening/", query).json()
    assert (
        {k: api[k] for k in expected}
        == expected
        == {
            "sweeps_reported": 2,
            "leads": 4,
            "handled": 2,
        }
    )
    assert api["from"] == timezone.localdate().replace(day=1).isoformat()
    assert api["year_to_date"]["leads"] == 4
    assert {r["name"] for r in api["by_child_region"]} >= {"东村", "东镇小计"}

    page = c.get("/screening/stats/", query)
    assert page.status_code == 200
    html = page.content.decode()
    cells = _page_totals(html)
    keys = [k for k, *_ in stats.COLUMNS]
    # the first cell is the period label (本期)
    assert cells[0] == "本期"
    shown = dict(zip(keys, cells[1:], strict=True))
    assert {k: int(shown[k]) for k in expected} == expected
    assert shown["handled_rate"] == "50.0%"
    for _key, label, _kind, what in stats.COLUMNS:
        assert label in html and what in html  # every figure says what it counts

    x = c.get("/screening/stats.xlsx", query)
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content))["按区域"]
    header = [cell.value for cell in sheet[4]]
    total = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "合计" and r[1] == "本期")
    got = dict(zip(header, total, strict=True))
    labels = {k: label for k, label, *_ in stats.COLUMNS}
    assert {k: got[labels[k]] for k in expected} == expected
    assert got["调处成功"] == api["handled_success"] == 2
    assert got["调处率"] == api["handled_rate"] == 0.5


def test_roles_and_bad_input(scene, grid, mediator, supervisor):
    assert client_for(grid).get("/screening/stats/").status_code == 403
    assert client_for(mediator).get("/screening/stats/").status_code == 403
    assert client_for(grid).get("/api/v1/stats/screening/").status_code == 403
    c = client_for(supervisor)
    r = c.get("/screening/stats/", {"period": "2026-Q7"})
    assert r.status_code == 400 and "统计期间须为" in r.content.decode()
    r = c.get("/api/v1/stats/screening/", {"period": "2026-Q7"})
    assert r.status_code == 400 and "period" in r.json()["error"]["fields"]
    r = c.get("/api/v1/stats/screening/", {"period": "2026", "from": "2026-01-01"})
    assert r.status_code == 400
    r = c.get("/api/v1/stats/screening/", {"from": "2026-13-01"})
    assert r.status_code == 400
    assert c.get("/api/v1/stats/screening/", {"region": "x"}).status_code == 400
    assert c.get("/screening/stats/", {"region": "999999"}).status_code == 404


def test_quarter_and_from_to(scene, supervisor, world):
    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    assert table_for(supervisor, world["qingshan"], quarter)["leads"] == 4
    sel = stats.selection(
        supervisor,
        {"region": str(world["qingshan"].pk), "from": "2000-01-01", "to": "2000-12-31"},
    )
    t = stats.screening_table(sel)
    assert t["leads"] == 0 and t["handled_rate"] is None


@pytest.mark.real_pdf
def test_pdf_prints_the_table(scene, supervisor, world, tmp_path):
    import subprocess

    c = client_for(supervisor)
    r = c.get("/screening/stats.pdf", {"region": world["qingshan"].pk, "period": month()})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "screening.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "矛盾纠纷排查调处情况统计表" in flat
    assert "东镇小计" in flat and "合计" in flat and "本年累计" in flat
    assert "青山市青山县" in flat
    for _key, label, _kind, _what in stats.COLUMNS:
        assert label.replace("/", "") in flat.replace("/", "")
    assert "调处成功÷调处数" in flat  # the explanations are printed


def test_the_page_takes_a_typed_period_over_the_dates_it_filled_in(scene, supervisor):
    """The page opens on this month with its dates in 起止日期; a supervisor who types 2026-Q1
    into 统计期间 and presses 查询 sends the stale dates too, and gets the quarter (the API,
    where a client sends what it means, still refuses both)."""
    c = client_for(supervisor)
    opened = c.get("/screening/stats/")
    month = timezone.localdate().replace(day=1).isoformat()
    assert opened.status_code == 200 and f'name="from" value="{month}"' in opened.content.decode()
    r = c.get("/screening/stats/", {"period": "2026-Q1", "from": month, "to": month})
    html = r.content.decode()
    assert r.status_code == 200 and "2026-01-01 至 2026-03-31" in html
    assert 'name="from" value=""' in html  # the form now says what the table counts
    r = c.get("/api/v1/stats/screening/", {"period": "2026-Q1", "from": month})
    assert r.status_code == 400


def test_the_screening_pages_link_to_the_table_for_who_may_read_it(scene, grid, clerk, supervisor):
    for user, shown in ((supervisor, True), (clerk, True), (grid, False)):
        for path in ("/screening/", "/screening/sweeps/"):
            html = client_for(user).get(path).content.decode()
            assert ('href="/screening/stats/"' in html) is shown, (user.username, path)
