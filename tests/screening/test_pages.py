"""The 排查 pages (SPEC §13) through the Django test client: the phone form, the lists, the lead
page and its transitions (to_case with nothing retyped), the sweep page and the zero report;
outsiders 404, the wrong role 403, Chinese errors on the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cases.models import Case
from screening.models import Lead
from tests.screening.conftest import jpeg

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_phone_form_reports_a_lead_with_photos(grid, east_grid):
    c = client_for(grid)
    page = c.get("/screening/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "风险苗头" in html and 'name="dispute_type"' not in html  # the fewest fields
    # a referral's fields fold under one closed line (an open one only with a referral's value)
    folded = html.split('<details class="tj-lead-referral" id="lead-referral">', 1)
    assert len(folded) == 2 and 'name="channel"' not in folded[0]
    assert 'name="channel"' in folded[1].split("</details>")[0]
    assert "<style" not in html and "style=" not in html and "<script>" not in html
    r = c.post(
        "/screening/new/",
        {
            "region": east_grid.pk,
            "place": "东村一组",
            "description": "两户因排水沟争吵",
            "people_involved": "3",
            "risk_factors": ["violence_threat"],
            "photos": [SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")],
        },
    )
    lead = Lead.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/screening/{lead.pk}/"
    assert lead.photos.count() == 1 and lead.risk_level == "high"
    page = c.get(f"/screening/{lead.pk}/").content.decode()
    assert lead.number in page and "研判处置" not in page  # the reporter follows only
    photo = lead.photos.get()
    assert c.get(f"/screening/photos/{photo.pk}/thumb/")["Content-Type"] == "image/jpeg"


def test_bad_input_shows_chinese_errors(grid, east_grid):
    c = client_for(grid)
    r = c.post(
        "/screening/new/", {"region": east_grid.pk, "description": "", "people_involved": ""}
    )
    assert r.status_code == 200 and "请修改以下" in r.content.decode()
    r = c.post(
        "/screening/new/",
        {
            "region": east_grid.pk,
            "description": "争吵",
            "people_involved": "2",
            "photos": [SimpleUploadedFile("a.gif", b"GIF89a...", "image/gif")],
        },
    )
    assert r.status_code == 200 and "JPEG" in r.content.decode()
    assert not Lead.objects.exists()  # the refused photo took the lead back
    r = c.post("/screening/new/", {"region": east_grid.pk, "description": "争吵"})
    assert "至少一名涉及人员或涉及人数" in r.content.decode()


def test_lists_and_scope(report, grid, grid_b, clerk, supervisor, outsider):
    lead = report()
    assert lead.number in client_for(grid).get("/screening/").content.decode()
    assert "我的线索" in client_for(grid).get("/screening/").content.decode()
    assert lead.number in client_for(clerk).get("/screening/?status=reported").content.decode()
    assert lead.number in client_for(supervisor).get("/screening/").content.decode()
    assert lead.number not in client_for(outsider).get("/screening/").content.decode()
    assert client_for(outsider).get(f"/screening/{lead.pk}/").status_code == 404
    assert client_for(grid_b).get(f"/screening/{lead.pk}/").status_code == 404
    assert client_for(supervisor).get("/screening/new/").status_code == 403
    assert Client().get("/screening/").status_code == 302


def test_to_case_from_the_page_with_nothing_retyped(report, clerk, mediator):
    lead = report()
    page = client_for(clerk).get(f"/screening/{lead.pk}/").content.decode()
    assert "转为案件" in page
    form = client_for(clerk).get(f"/screening/{lead.pk}/act/to_case/").content.decode()
    assert "王大明" in form and "两户因排水沟堵塞争吵" in form
    assert client_for(mediator).get(f"/screening/{lead.pk}/act/to_case/").status_code == 403
    r = client_for(clerk).post(f"/screening/{lead.pk}/act/to_case/", {"version": lead.version})
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    assert case.lead.pk == lead.pk
    page = client_for(clerk).get(f"/screening/{lead.pk}/").content.decode()
    assert case.number in page and f"/cases/{case.pk}/" in page
    case_page = client_for(clerk).get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/screening/{lead.pk}/" id="case-lead"' in case_page  # both ways


def test_guards_and_stale_forms_on_the_page(report, clerk, mediator):
    lead = report()
    r = client_for(mediator).post(f"/screening/{lead.pk}/act/resolve_on_site/", {"version": 0})
    assert r.status_code == 200 and "化解情况" in r.content.decode()
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    r = client_for(clerk).post(
        f"/screening/{lead.pk}/act/watch/", {"version": 0, "note": "观察", "next_check_on": day}
    )
    assert r.status_code == 302
    r = client_for(clerk).post(f"/screening/{lead.pk}/act/close/", {"version": 0, "note": "核实"})
    assert r.status_code == 200 and "已被他人修改" in r.content.decode()
    assert client_for(clerk).get(f"/screening/{lead.pk}/act/fly/").status_code == 404


def test_sweep_pages_and_zero_report(supervisor, clerk, grid, outsider, world, report):
    today = timezone.localdate()
    r = client_for(supervisor).post(
        "/screening/sweeps/",
        {
            "region": world["qingshan"].pk,
            "name": "元旦春节前矛盾纠纷大排查",
            "starts_on": (today - dt.timedelta(days=1)).isoformat(),
            "ends_on": (today + dt.timedelta(days=9)).isoformat(),
            "focus": "劳资",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    sweep = r["Location"].rstrip("/").split("/")[-1]
    page = client_for(clerk).get(f"/screening/sweeps/{sweep}/").content.decode()
    assert "未报告 2" in page and "零报告" in page
    r = client_for(clerk).post(
        f"/screening/sweeps/{sweep}/reports/",
        {"region": world["east_village"].pk, "zero": "on", "note": ""},
    )
    assert r.status_code == 302
    page = client_for(clerk).get(f"/screening/sweeps/{sweep}/").content.decode()
    assert "零报告 1" in page and "本期未排查出矛盾纠纷" in page
    assert client_for(outsider).get(f"/screening/sweeps/{sweep}/").status_code == 404
    assert client_for(clerk).post("/screening/sweeps/", {}).status_code == 403
    assert "元旦春节前" in client_for(grid).get("/screening/sweeps/").content.decode()


def test_home_cards_and_nav(report, grid, clerk):
    with_overdue = report()
    Lead.objects.filter(pk=with_overdue.pk).update(
        triage_due=timezone.localdate() - dt.timedelta(days=1)
    )
    home = client_for(grid).get("/").content.decode()
    assert 'data-card="my_leads"' in home and 'data-card="tasks"' not in home
    assert "我的线索" in home and 'href="/cases/"' not in home
    # 上报 is the grid worker's first button; the clerk has it too, less loud
    assert 'class="tj-btn tj-btn--primary" href="/screening/new/" data-report-lead' in home
    home = client_for(clerk).get("/").content.decode()
    assert 'class="tj-btn" href="/screening/new/" data-report-lead' in home
    assert 'data-card="leads_overdue"' in home and 'href="/screening/"' in home


def test_demo_seed_screening(world):
    from demo.screening import seed_screening

    assert seed_screening() == 10
    assert seed_screening() == 0
    assert set(Lead.objects.values_list("status", flat=True)) == {
        "reported",
        "resolved",
        "watching",
        "closed",
        "referred",
    }
    from screening.models import Sweep
    from screening.progress import sweep_progress

    statuses = {r.status for r in sweep_progress(Sweep.objects.get())}
    assert statuses == {"reported", "zero", "missing"}


def test_a_grid_worker_records_a_court_referral_from_the_folded_fields(grid, east_grid):
    """A matter a court handed to the grid: channel, sender, the court's reference and the day it
    came, under the folded line; without the sender it is refused on that field (the 反馈函 goes
    to it), the fold opened on the error and nothing saved."""
    c = client_for(grid)
    data = {
        "region": east_grid.pk,
        "description": "法院委派：两户排水沟纠纷",
        "people_involved": "2",
        "channel": "court",
        "sender_reference": "（2026）青01民诉前调123号",
        "found_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
    }
    r = c.post("/screening/new/", data)
    html = r.content.decode()
    assert r.status_code == 200 and "请填写移送单位" in html
    assert '<details class="tj-lead-referral" id="lead-referral" open>' in html
    assert not Lead.objects.exists()
    r = c.post("/screening/new/", data | {"sender": "青山县人民法院"})
    lead = Lead.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/screening/{lead.pk}/"
    assert (lead.channel, lead.sender, lead.sender_reference) == (
        "court",
        "青山县人民法院",
        "（2026）青01民诉前调123号",
    )
    assert lead.found_on == timezone.localdate() - dt.timedelta(days=3)
    future = data | {"sender": "青山县人民法院", "found_on": "2099-01-01"}
    assert "不能晚于今天" in c.post("/screening/new/", future).content.decode()


def test_a_province_supervisor_opens_a_province_wide_sweep(world):
    from django.contrib.auth.models import User

    from cases.models import Membership, Region

    province = Region.objects.create(name="测试省", level="province")
    user = User.objects.create_user("province_sup")
    Membership.objects.create(user=user, role="supervisor", region=province)
    today = timezone.localdate()
    form = client_for(user).get("/screening/sweeps/").content.decode()
    assert f'<option value="{province.pk}"' in form
    r = client_for(user).post(
        "/screening/sweeps/",
        {
            "region": province.pk,
            "name": "全省矛盾纠纷大排查",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=9)).isoformat(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
