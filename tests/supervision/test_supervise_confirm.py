"""督办 with a confirmation: the page, the editable text, the 24-hour rule, the badges."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from cases.models import SupervisionNotice
from core.errors import InvalidInput
from tests.supervision.conftest import TZ
from workflows import services
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db


def url(case, **query):
    base = reverse("supervision:supervise", args=[case.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_get_shows_the_case_and_the_default_text_and_issues_nothing(
    cohort, today, client, supervisor
):
    case = cohort["B"]
    client.force_login(supervisor)
    response = client.get(url(case, kind="overdue"))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html
    textarea = re.search(r'<textarea name="content"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "已超过办理期限" in textarea and case.number in textarea
    assert 'name="force"' in html and "仍要再次督办" in html
    assert 'name="reply_by"' in html and 'value="2026-03-25"' in html  # today + 5 days
    assert "<script" not in html.split("<main")[-1] and " style=" not in html
    assert not SupervisionNotice.objects.exists()


def test_risk_text_on_the_page(cohort, today, client, supervisor):
    client.force_login(supervisor)
    html = client.get(url(cohort["E"], kind="risk")).content.decode()
    assert "风险等级为“重大”" in html and 'value="2026-03-23"' in html


def test_post_issues_the_edited_text_and_the_event_keeps_it(cohort, today, client, supervisor):
    case = cohort["B"]
    client.force_login(supervisor)
    back = reverse("supervision:dashboard") + "?region=2"
    text = "请东村调委于三日内报告受理审查情况。"
    response = client.post(
        url(case),
        {"content": text, "reply_by": "2026-03-23", "kind": "overdue", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    notice = SupervisionNotice.objects.get(case=case)
    assert notice.content == text and notice.reply_by == dt.date(2026, 3, 23)
    event = CaseEvent.objects.get(case=case, name="supervise")
    assert event.reason == text and event.data["content"] == text


def test_empty_text_is_a_chinese_error_not_a_notice(cohort, today, client, supervisor):
    client.force_login(supervisor)
    response = client.post(url(cohort["B"]), {"content": "  ", "kind": "overdue"})
    assert response.status_code == 200
    assert "请填写督办事项" in response.content.decode()
    assert not SupervisionNotice.objects.exists()


def test_second_within_24_hours_is_refused_unless_ticked(cohort, today, client, supervisor):
    case = cohort["B"]
    client.force_login(supervisor)
    client.post(url(case), {"content": "第一次督办", "kind": "overdue"})
    assert SupervisionNotice.objects.filter(case=case).count() == 1
    # The page warns before the second one.
    assert "24 小时内再次督办须勾选" in client.get(url(case)).content.decode()
    response = client.post(url(case), {"content": "第二次督办", "kind": "overdue"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "督办未能发出" in html and "仍要再次督办" in html
    assert SupervisionNotice.objects.filter(case=case).count() == 1
    response = client.post(url(case), {"content": "第二次督办", "kind": "overdue", "force": "on"})
    assert response.status_code == 302
    assert SupervisionNotice.objects.filter(case=case).count() == 2
    event = CaseEvent.objects.filter(case=case, name="supervise").latest("id")
    assert event.reason == "第二次督办" and event.data["repeat_of"]


def test_the_rule_is_in_the_service(cohort, today, supervisor):
    case = cohort["E"]
    services.case_supervise(case, actor=supervisor, content="请落实稳控措施")
    with pytest.raises(InvalidInput) as exc:
        services.case_supervise(case, actor=supervisor, content="再次督办")
    assert "24小时内再次督办须勾选“仍要再次督办”" in exc.value.message
    assert "force" in exc.value.fields
    # after 24 hours it goes through without the box
    with time_machine.travel(dt.datetime(2026, 3, 21, 10, 1, tzinfo=TZ), tick=False):
        services.case_supervise(case, actor=supervisor, content="再次督办")
    assert SupervisionNotice.objects.filter(case=case).count() == 2


def test_badge_on_dashboard_lists_and_case_page(cohort, today, client, supervisor):
    case = cohort["B"]
    services.case_supervise(case, actor=supervisor, content="一")
    services.case_supervise(case, actor=supervisor, content="二", force=True)
    client.force_login(supervisor)
    html = client.get(reverse("supervision:dashboard"), {"from": "2026-01-01", "to": "2026-03-31"})
    html = html.content.decode()
    item = html.split(f'data-case="{case.pk}"')[1].split("</li>")[0]
    assert "已督办 2 次" in item
    other = html.split(f'data-case="{cohort["F"].pk}"')[1].split("</li>")[0]
    assert "已督办" not in other
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已督办 2 次" in page
    assert "已督办 2 次" in client.get(url(case)).content.decode()


def test_get_for_other_roles(cohort, today, client, director, outsider):
    client.force_login(director)
    response = client.get(url(cohort["B"]))
    assert response.status_code == 403 and "督导员" in response.content.decode()
    client.force_login(outsider)
    assert client.get(url(cohort["B"])).status_code == 404


def test_the_case_page_form_can_confirm_a_second_notice_too(cohort, today, client, supervisor):
    """The 督办 form on the case page (cases:act) offers the same 仍要再次督办 box."""
    case = cohort["B"]
    client.force_login(supervisor)
    act = reverse("cases:act", args=[case.pk, "supervise"])
    assert 'name="force"' in client.get(act).content.decode()
    body = {"version": case.version, "content": "请于五日内书面反馈办理情况。"}
    assert client.post(act, body).status_code == 302
    assert SupervisionNotice.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    second = client.post(act, {**body, "version": case.version})
    assert second.status_code == 200 and "24" in second.content.decode()
    assert SupervisionNotice.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    forced = client.post(act, {**body, "version": case.version, "force": "on"})
    assert forced.status_code == 302
    assert SupervisionNotice.objects.filter(case=case).count() == 2
