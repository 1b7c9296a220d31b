"""The supervision pages: who may open them (200 / 403 / 404), the figures they print, the
one-click 督办 and the audit log."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import SupervisionNotice
from tests.supervision.conftest import PERIOD
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "statistics", "ranking", "audit"]


def get(client, user, page_name, **params):
    client.force_login(user)
    return client.get(reverse(f"supervision:{page_name}"), PERIOD | params)


def card(html: str, figure: str) -> str:
    match = re.search(rf'data-figure="{figure}"><div class="sv-card__n[^"]*">([^<]*)<', html)
    assert match, figure
    return match.group(1)


@pytest.mark.parametrize("name", PAGES + ["access", "access-csv"])
def test_right_roles_200(cohort, today, client, supervisor, supervisor_city, director, name):
    for user in (supervisor, supervisor_city, director):
        response = get(client, user, name)
        assert response.status_code == 200, (user, response.content[:300])


@pytest.mark.parametrize("name", PAGES + ["statistics-xlsx", "audit-csv"])
def test_wrong_role_403(cohort, today, client, mediator, name):
    response = get(client, mediator, name)
    assert response.status_code == 403
    assert "只有督导员、调委会主任、登记员和系统管理员可以查看统计" in response.content.decode()


@pytest.mark.parametrize("name", PAGES + ["statistics-xlsx", "audit-csv"])
def test_outsider_404(cohort, today, client, supervisor, outsider, world, name):
    # 白水县 for the 青山县 supervisor; 青山县 for the clerk of 西村调委.
    assert get(client, supervisor, name, region=world["baishui"].pk).status_code == 404
    assert get(client, outsider, name, region=world["qingshan"].pk).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("supervision:dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_bad_input_shows_the_reason(cohort, today, client, supervisor):
    response = get(client, supervisor, "dashboard", to="2025-01-01")
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    response = get(client, supervisor, "audit", page="x")
    assert response.status_code == 400 and "页码须为正整数" in response.content.decode()


def test_dashboard_prints_the_figures(cohort, today, client, supervisor):
    html = get(client, supervisor, "dashboard").content.decode()
    assert card(html, "received") == "13"
    assert card(html, "success_rate") == "71.4%"
    assert card(html, "performance_rate") == "66.7%"
    assert card(html, "avg_days_to_close") == "10.1"
    assert card(html, "overdue_open") == "2"
    assert card(html, "high_risk_open") == "2"
    assert card(html, "satisfaction_rate") == "66.7%"
    assert card(html, "amount_involved") == "294,000.00"
    assert "协议 5 ÷（协议 5 + 调解不成 2）" in html  # the rate explained
    assert "90% 的案件在 45.2 天内办结" in html
    # The trend is inline SVG, drawn on the server.
    assert '<svg class="sv-chart"' in html and html.count('class="sv-bar sv-bar--received"') == 3
    assert "<script" not in html.split('id="figures"')[1]
    # Both lists link to the cases and carry the 督办 button for a supervisor.
    for key in ("B", "F", "D", "E"):
        assert reverse("cases:detail", args=[cohort[key].pk]) in html
    assert html.count('href="/supervision/cases/') == 4  # 督办 opens its confirmation page
    assert cohort["O"].number not in html  # 白水县


def test_dashboard_for_a_director_has_no_supervise_button(cohort, today, client, director):
    html = get(client, director, "dashboard").content.decode()
    assert card(html, "received") == "11"
    assert "/supervise/" not in html


def test_region_picker_lists_visible_regions_only(cohort, today, client, supervisor, world):
    html = get(client, supervisor, "dashboard").content.decode()
    options = re.findall(
        r'<option value="(\d+)"', html.split('name="region"')[1].split("</select>")[0]
    )
    assert str(world["qingshan"].pk) in options and str(world["east_village"].pk) in options
    assert str(world["baishui"].pk) not in options and str(world["city"].pk) not in options


def test_one_click_supervise(cohort, today, client, supervisor):
    case = cohort["B"]
    client.force_login(supervisor)
    back = reverse("supervision:dashboard") + "?region=2"
    response = client.post(
        reverse("supervision:supervise", args=[case.pk]), {"kind": "overdue", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    notice = SupervisionNotice.objects.get(case=case)
    assert notice.created_by == supervisor and "已超过办理期限" in notice.content
    assert notice.authority == "青山县督导"
    event = CaseEvent.objects.get(case=case, name="supervise")
    assert event.actor == supervisor and event.reason == notice.content
    assert case.documents.filter(code="SUP").exists()
    page = client.get(back).content.decode()
    assert "已对案件" in page and case.number in page


def test_supervise_risk_text(cohort, today, client, supervisor):
    client.force_login(supervisor)
    client.post(reverse("supervision:supervise", args=[cohort["E"].pk]), {"kind": "risk"})
    assert "风险等级为“重大”" in SupervisionNotice.objects.get(case=cohort["E"]).content


def test_supervise_failure_is_a_message_not_a_500(cohort, today, client, supervisor, monkeypatch):
    from core.errors import Conflict
    from workflows import services

    def stale(*args, **kwargs):
        raise Conflict()

    monkeypatch.setattr(services, "case_supervise", stale)
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:supervise", args=[cohort["B"].pk]), {"kind": "overdue"}, follow=True
    )
    assert response.status_code == 200
    assert "督办未能发出：案件已被他人修改，请刷新后重试。" in response.content.decode()
    assert not SupervisionNotice.objects.exists()


def test_supervise_wrong_role_403_outsider_404(cohort, today, client, director, outsider):
    url = reverse("supervision:supervise", args=[cohort["B"].pk])
    client.force_login(director)
    response = client.post(url, {"kind": "overdue"})
    assert response.status_code == 403 and "督导员" in response.content.decode()
    client.force_login(outsider)
    assert client.post(url, {"kind": "overdue"}).status_code == 404
    assert client.get(url).status_code == 404  # GET is the confirmation page (own scope only)
    assert not SupervisionNotice.objects.exists()


def test_supervise_refuses_an_outside_next(cohort, today, client, supervisor):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:supervise", args=[cohort["B"].pk]),
        {"kind": "overdue", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("supervision:dashboard")


def test_statistics_page_table(cohort, today, client, supervisor):
    html = get(client, supervisor, "statistics").content.decode()
    table = html.split('id="statistics"')[1].split("</table>")[0]
    total = table.split('class="sv-total"')[1]
    cells = re.findall(r"<t[hd]>([^<]*)</t[hd]>", total)
    # name, received, 5 outcomes, success, performance, confirmations, amount, escalations
    assert cells == [
        "合计",
        "13",
        "1",
        "4",
        "1",
        "2",
        "1",
        "71.4%",
        "66.7%",
        "1",
        "294,000.00",
        "1",
    ]


def test_ranking_page_shows_the_parts(cohort, today, client, supervisor):
    html = get(client, supervisor, "ranking").content.decode().split('id="ranking"')[1]
    assert html.index("北镇") < html.index("东镇")
    assert "80.0 分" in html and "74.0 分" in html  # 77.5 before 按期办结率 counted overdue open
    assert "4 / 6" in html and "26.7" in html  # 东镇's success part


def test_audit_lists_the_subtree_with_filters(cohort, today, client, supervisor, world):
    html = get(client, supervisor, "audit", **{"from": "", "to": ""}).content.decode()
    assert cohort["J"].number in html and cohort["N"].number not in html
    html = get(
        client, supervisor, "audit", case=cohort["J"].number, name="archive"
    ).content.decode()
    assert html.count('class="sv-event"') == 1
    asof = reverse("cases:detail", args=[cohort["J"].pk]) + "?as_of=2026-03-08"
    assert asof in html
    html = get(client, supervisor, "audit", actor="钱主任", kind="transition").content.decode()
    events = html.split('id="events"')[1]
    assert "<strong>结案审批</strong>" in events and "<strong>添加调查记录</strong>" not in events
    assert "孙调解" not in events
    html = get(client, supervisor, "audit", **{"from": "2026-01-05", "to": "2026-01-05"}).content
    assert cohort["K"].number.encode() in html and cohort["J"].number.encode() not in html


def test_audit_pages(cohort, today, client, supervisor):
    first = get(client, supervisor, "audit", **{"from": "", "to": ""}).content.decode()
    assert first.count('class="sv-event"') == 50 and "下一页" in first
    second = get(client, supervisor, "audit", page=2, **{"from": "", "to": ""}).content.decode()
    assert "上一页" in second
    ids = set(re.findall(r'data-event="(\d+)"', first)) & set(
        re.findall(r'data-event="(\d+)"', second)
    )
    assert not ids


def test_audit_export(cohort, today, client, supervisor, world):
    import csv
    import io

    response = get(client, supervisor, "audit-csv", **{"from": "", "to": ""})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["时间", "案号", "类别"]
    numbers = {r[1] for r in rows[1:]}
    expected = CaseEvent.objects.filter(case__region_path__startswith=world["qingshan"].path)
    assert len(rows) - 1 == expected.count()
    assert cohort["J"].number in numbers and cohort["N"].number not in numbers


def _picker(client, user, **params) -> list[str]:
    client.force_login(user)
    html = client.get(reverse("supervision:dashboard"), params).content.decode()
    return re.findall(
        r'<option value="(\d+)"', html.split('name="region"')[1].split("</select>")[0]
    )


def test_region_picker_lists_three_levels_and_the_chosen_regions_neighbours(
    client, supervisor_city, world
):
    """A city's picker lists the city, its counties and their townships; a village appears once
    its township (or the village itself) is chosen, with its siblings and ancestors."""
    village = world["east_village"]
    township = village.parent
    options = _picker(client, supervisor_city)
    for region in (world["city"], world["qingshan"], world["baishui"], township):
        assert str(region.pk) in options
    assert str(village.pk) not in options and str(world["west_village"].pk) not in options

    options = _picker(client, supervisor_city, region=township.pk)
    assert str(village.pk) in options
    assert options.index(str(township.pk)) < options.index(str(village.pk))  # tree order
    assert str(world["west_village"].pk) not in options  # 白水县's village: another township

    options = _picker(client, supervisor_city, region=village.pk)
    siblings = [str(r.pk) for r in township.children.all()]
    assert str(village.pk) in options and set(siblings) <= set(options)
    assert {str(world["city"].pk), str(world["qingshan"].pk), str(township.pk)} <= set(options)


def test_region_picker_keeps_the_chosen_village_on_an_error_page_and_the_audit_page(
    client, supervisor_city, world
):
    village = world["east_village"]
    client.force_login(supervisor_city)
    for name, params in (
        ("dashboard", {"region": village.pk, "from": "not-a-date"}),
        ("audit", {"region": village.pk}),
    ):
        response = client.get(reverse(f"supervision:{name}"), params)
        select = response.content.decode().split('name="region"')[1].split("</select>")[0]
        assert f'<option value="{village.pk}" selected>' in select, name
