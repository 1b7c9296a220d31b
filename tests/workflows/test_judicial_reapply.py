"""After the court refuses 司法确认 (人民调解法 第三十三条): the refusal is recorded (登记法院审查结果),
the refused agreement cannot be applied for again as it is, the director's 重新调解 returns the
case to 调解 without the follow-up's "not performed", the changed agreement recorded there is
applied for anew — its own documents, numbered -2, the first application's left as issued —
and an agreement with the refused one's content is refused. The case page and the API say so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from cases.models import JudicialConfirmation
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied, PreconditionFailed
from documents import renderer
from documents.models import Document
from tests.api import api, error, url
from workflows import services as s
from workflows.models import CaseEvent
from workflows.services import judicial
from workflows.services.judicial import apply_refusal, judicial_result_record, may_apply

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # the first agreement takes effect on 2026-11-02


def at(days: int):
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


@pytest.fixture(autouse=True)
def fake_bundle(monkeypatch):
    monkeypatch.setattr(
        renderer,
        "render_bundle",
        lambda context, *, application, agreement: renderer.RenderResult(
            pdf=application.pdf + agreement, pages=3, missing_glyphs=False
        ),
    )


@pytest.fixture
def issuing(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def applied(register, walk, clerk, issuing):
    """A case in 回访 whose written agreement (effective T0) was applied for on T0 + 2."""
    with at(0), issuing():
        case = register()
        walk(case, "follow_up")
    case.refresh_from_db()
    with at(2), issuing():
        s.judicial_confirmation_apply(case, actor=clerk)
    case.refresh_from_db()
    return case


@pytest.fixture
def refused(applied, clerk):
    with at(10):
        judicial_result_record(applied, actor=clerk, result="rejected", result_on="2026-11-11")
    applied.refresh_from_db()
    return applied


def _changed_agreement(case, mediator, issuing, days=12, terms=("分两期支付四千元",), **fields):
    with at(days), issuing():
        s.case_transition(
            case,
            "record_agreement",
            actor=mediator,
            kind="written",
            terms=list(terms),
            performance_method=fields.get("performance_method", "转账"),
            performance_deadline=fields.get(
                "performance_deadline", (T0 + dt.timedelta(days=40)).date()
            ),
            amount=fields.get("amount", 4000),
            signatures_complete=True,
        )
    case.refresh_from_db()
    return case.current_agreement


# --- the court's answer ---------------------------------------------------------------------


def test_the_refusal_is_recorded_on_the_application_once(applied, clerk):
    record = JudicialConfirmation.objects.get(case=applied)
    assert judicial.pending_application(applied) == record
    with at(10):
        judicial_result_record(applied, actor=clerk, result="rejected", result_on="2026-11-11")
    record.refresh_from_db()
    assert (record.result, record.result_on) == ("rejected", dt.date(2026, 11, 11))
    event = CaseEvent.objects.get(case=applied, name="judicial_result")
    assert event.data["result"] == "rejected"
    assert event.data["agreement"] == applied.current_agreement.number
    applied.refresh_from_db()
    assert judicial.refused_application(applied) == record
    assert judicial.pending_application(applied) is None
    with at(11), pytest.raises(InvalidState, match="不能再次登记"):
        judicial_result_record(applied, actor=clerk, result="confirmed", result_on="2026-11-12")


def test_the_result_guards_speak_chinese(applied, clerk, supervisor, outsider):
    with at(10):
        with pytest.raises(InvalidInput, match="确认有效"):
            judicial_result_record(applied, actor=clerk, result="maybe", result_on="2026-11-11")
        with pytest.raises(InvalidInput, match="不能早于申请日期（2026-11-04）"):
            judicial_result_record(applied, actor=clerk, result="rejected", result_on="2026-11-01")
        with pytest.raises(InvalidInput, match="不能晚于今天"):
            judicial_result_record(applied, actor=clerk, result="rejected", result_on="2026-12-30")
        with pytest.raises(PreconditionFailed) as missing:
            judicial_result_record(applied, actor=clerk, result="rejected")
        assert missing.value.missing == ["法院作出裁定的日期"]
        with pytest.raises(PermissionDenied):
            judicial_result_record(
                applied, actor=supervisor, result="rejected", result_on="2026-11-11"
            )
        with pytest.raises(NotFound):
            judicial_result_record(
                applied, actor=outsider, result="rejected", result_on="2026-11-11"
            )
    assert JudicialConfirmation.objects.get(case=applied).result == "pending"


def test_no_application_no_result(register, walk, clerk):
    case = register()
    walk(case, "follow_up")
    with pytest.raises(InvalidState, match="没有已申请的司法确认"):
        judicial_result_record(case, actor=clerk, result="rejected", result_on="2026-11-11")


# --- the refused agreement, then a changed one ----------------------------------------------


def test_the_refused_agreement_cannot_be_applied_for_again(refused, clerk):
    assert not may_apply(refused)
    reason = apply_refusal(refused)
    assert "青山县人民法院已于2026-11-11驳回调解协议" in reason
    assert "不能以原协议再次申请" in reason and "重新调解" in reason and "提起诉讼" in reason
    with at(12), pytest.raises(InvalidState, match="不能以原协议再次申请"):
        s.judicial_confirmation_apply(refused, actor=clerk)
    assert JudicialConfirmation.objects.filter(case=refused).count() == 1


def test_reopen_after_a_refusal_and_apply_for_the_changed_agreement(
    refused, clerk, mediator, director, issuing
):
    first = refused.current_agreement
    assert not refused.followupvisits.exists()  # no visit says "not performed": the refusal does
    with at(11):
        s.case_transition(
            refused, "reopen", actor=director, reason="法院驳回司法确认申请，重新调解"
        )
    refused.refresh_from_db()
    assert refused.status == "mediation"
    event = CaseEvent.objects.get(case=refused, name="reopen")
    assert event.data["judicial_refused"]["court"] == "青山县人民法院"
    changed = _changed_agreement(refused, mediator, issuing)
    assert changed != first and refused.status == "closure"
    assert may_apply(refused) and apply_refusal(refused) == ""
    with at(13), issuing():
        record = s.judicial_confirmation_apply(refused, actor=clerk)
    assert record.agreement == changed and record.result == "pending"
    assert record.applied_on == dt.date(2026, 11, 15)
    jca = {d.slot: d for d in Document.objects.filter(case=refused, code="JCA")}
    old = JudicialConfirmation.objects.get(case=refused, agreement=first)
    assert set(jca) == {f"r{old.pk}", f"r{record.pk}"}
    # two applications, two documents: the refused one stays issued (not "corrected")
    assert jca[f"r{old.pk}"].status == "issued" and jca[f"r{record.pk}"].status == "issued"
    base = refused.number.replace("人调字", "司确字")
    assert jca[f"r{old.pk}"].number == base
    assert jca[f"r{record.pk}"].number == base.replace("号", "-2号")
    bundle = Document.objects.get(case=refused, code="JCB", slot=f"r{record.pk}")
    assert bundle.number == jca[f"r{record.pk}"].number
    assert bundle.context["record"]["application_document"] == jca[f"r{record.pk}"].pk
    agr = Document.objects.get(case=refused, code="AGR", slot=f"r{changed.pk}")
    assert bundle.context["record"]["agreement_document"] == agr.pk
    assert jca[f"r{record.pk}"].context["record"]["agreement"]["number"] == changed.number
    assert not may_apply(refused)  # applied: pending again


def test_the_same_content_again_is_refused(refused, clerk, mediator, director, issuing):
    first = refused.current_agreement
    with at(11):
        s.case_transition(refused, "reopen", actor=director, reason="法院驳回，重新调解")
    refused.refresh_from_db()
    same = _changed_agreement(
        refused,
        mediator,
        issuing,
        terms=first.terms,
        performance_method=first.performance_method,
        performance_deadline=first.performance_deadline,
        amount=first.amount,
    )
    assert same.number != first.number
    assert not may_apply(refused)
    assert f"与人民法院已驳回的协议{first.number}内容相同" in apply_refusal(refused)
    with at(13), pytest.raises(PreconditionFailed) as refused_again:
        s.judicial_confirmation_apply(refused, actor=clerk)
    assert any("内容相同" in m for m in refused_again.value.missing)


def test_a_confirmed_agreement_is_not_applied_for_again(applied, clerk):
    with at(10):
        judicial_result_record(applied, actor=clerk, result="confirmed", result_on="2026-11-11")
    applied.refresh_from_db()
    assert "已经青山县人民法院确认有效" in apply_refusal(applied)
    with pytest.raises(InvalidState, match="不能重复申请"):
        s.judicial_confirmation_apply(applied, actor=clerk)


def test_without_a_refusal_reopen_still_needs_the_follow_up(applied, director):
    with at(11), pytest.raises(PreconditionFailed) as missing:
        s.case_transition(applied, "reopen", actor=director, reason="想重新调解")
    assert missing.value.missing == ["回访记录显示协议未履行或部分履行"]


# --- the case page and the API --------------------------------------------------------------


def _page(user, case) -> str:
    c = Client()
    c.force_login(user)
    return c.get(f"/cases/{case.pk}/").content.decode()


def test_the_case_page_shows_the_application_then_the_refusal(applied, clerk):
    page = _page(clerk, applied)
    assert 'id="judicial"' in page and "审查中" in page
    assert f"/cases/{applied.pk}/act/judicial_result/" in page
    c = Client()
    c.force_login(clerk)
    with at(10):
        response = c.post(
            f"/cases/{applied.pk}/act/judicial_result/",
            {"version": applied.version, "result": "rejected", "result_on": "2026-11-11"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    applied.refresh_from_db()
    page = _page(clerk, applied)
    assert 'data-result="rejected"' in page and "驳回申请" in page
    assert 'id="judicial-why-not"' in page and "不能以原协议再次申请" in page
    assert f"/cases/{applied.pk}/act/judicial_result/" not in page
    assert f"/cases/{applied.pk}/act/judicial_apply/" not in page


def test_the_api_records_the_refusal_says_why_and_takes_the_new_application(
    applied, clerk, mediator, director, supervisor, outsider, issuing
):
    path = url("case-judicial-confirmation", applied.pk)
    state = api(clerk).get(path).json()
    assert state["may_apply"] is False and "正在青山县人民法院审查" in state["reason"]
    assert [a["result"] for a in state["applications"]] == ["pending"]
    assert (
        api(supervisor)
        .patch(path, {"result": "rejected", "result_on": "2026-11-11"}, format="json")
        .status_code
        == 403
    )
    assert api(outsider).get(path).status_code == 404
    bad = api(clerk).patch(path, {"result": "maybe", "result_on": "2026-11-11"}, format="json")
    error(bad, 400, "invalid")
    with at(10):
        answer = api(mediator).patch(
            path, {"result": "rejected", "result_on": "2026-11-11"}, format="json"
        )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["result"], answer.json()["result_on"]) == ("rejected", "2026-11-11")
    state = api(clerk).get(path).json()
    assert state["may_apply"] is False and "驳回" in state["reason"]
    assert state["applications"][0]["agreement"] == applied.current_agreement.number
    with at(12):
        error(api(clerk).post(path, {}, format="json"), 409, "invalid_state")
        reopened = api(director).post(
            url("case-transition", applied.pk, "reopen"), {"reason": "法院驳回"}, format="json"
        )
    assert reopened.status_code == 200, reopened.content
    applied.refresh_from_db()
    _changed_agreement(applied, mediator, issuing)
    assert api(clerk).get(path).json()["may_apply"] is True
    with at(13), issuing():
        again = api(clerk).post(path, {}, format="json")
    assert again.status_code == 201, again.content
    assert again.json()["agreement"] == applied.current_agreement.number
    assert [a["result"] for a in api(clerk).get(path).json()["applications"]] == [
        "rejected",
        "pending",
    ]
