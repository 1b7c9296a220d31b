"""SPEC §13 judicial-confirmation hand-off: the service's roles, guards and record, and the
day-25 warning of `sla_sweep` (clock frozen with time-machine)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import JudicialConfirmation
from core.errors import InvalidState, NotFound, PermissionDenied, PreconditionFailed
from documents import renderer
from documents.models import Document
from workflows import services as s
from workflows.models import CaseEvent, Notification
from workflows.services.judicial import may_apply
from workflows.sweep import sla_sweep

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # the agreement takes effect on 2026-11-02


@pytest.fixture(autouse=True)
def _in_the_thirty_days():
    """Every test runs a few days after T0 (the tests that move the clock move it from there):
    on the real date they failed once 30 days had passed since 2026-11-02."""
    with time_machine.travel(T0 + dt.timedelta(days=3)):
        yield


@pytest.fixture(autouse=True)
def fake_bundle(monkeypatch):
    """The fast fake renderer's bytes are no PDF: bind them as the bundle without pypdf."""
    monkeypatch.setattr(
        renderer,
        "render_bundle",
        lambda context, *, application, agreement: renderer.RenderResult(
            pdf=application.pdf + agreement, pages=3, missing_glyphs=False
        ),
    )


@pytest.fixture
def issuing(django_capture_on_commit_callbacks):
    """Documents render when the block's transaction would commit (as after a request)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def closed(register, walk, issuing):
    """Cases at 结案审批, each with a written agreement that took effect on T0, AGR issued."""

    def make():
        with time_machine.travel(T0, tick=False), issuing():
            case = register()
            walk(case, "closure")
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def agreed(closed):
    return closed()


def judicial_warnings(case):
    return Notification.objects.filter(case=case, kind="due_soon", message__contains="司法确认")


def test_apply_records_the_application_and_issues_jca_and_bundle(agreed, clerk, issuing):
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False), issuing():
        assert may_apply(agreed)
        record = s.judicial_confirmation_apply(agreed, actor=clerk)
    assert record.court == "青山县人民法院"  # the committee's basic court (demo seed)
    assert record.applied_on == dt.date(2026, 11, 5)
    assert record.result == "pending"
    assert record.agreement == agreed.current_agreement
    docs = {d.code: d for d in Document.objects.filter(case=agreed, code__in=["JCA", "JCB"])}
    assert set(docs) == {"JCA", "JCB"}
    assert all(d.status == "issued" for d in docs.values())
    assert docs["JCA"].number == agreed.number.replace("人调字", "司确字")
    assert docs["JCB"].number == docs["JCA"].number
    jca = docs["JCA"].context["record"]
    assert jca["court"] == "青山县人民法院"
    assert jca["agreement"]["number"] == agreed.current_agreement.number
    assert jca["window_end"] == "2026-12-02"
    bundle = docs["JCB"].context["record"]
    assert bundle["application_document"] == docs["JCA"].pk
    agr = Document.objects.get(case=agreed, code="AGR")
    assert bundle["agreement_document"] == agr.pk
    assert [p["name"] for p in bundle["identity"]] == [p.name for p in agreed.parties.all()]
    events = CaseEvent.objects.filter(case=agreed, name="judicial_apply")
    assert events.count() == 1
    assert events.get().data["court"] == "青山县人民法院"
    agreed.refresh_from_db()
    assert not may_apply(agreed)


def test_court_given_overrides_the_committee_default(agreed, mediator):
    record = s.judicial_confirmation_apply(agreed, actor=mediator, court=" 青山市中级人民法院 ")
    assert record.court == "青山市中级人民法院"


def test_roles_and_scope(agreed, supervisor, mediator2, outsider, director):
    with pytest.raises(PermissionDenied):
        s.judicial_confirmation_apply(agreed, actor=supervisor)
    with pytest.raises(PermissionDenied):  # a mediator of the committee not assigned
        s.judicial_confirmation_apply(agreed, actor=mediator2)
    with pytest.raises(NotFound):
        s.judicial_confirmation_apply(agreed, actor=outsider)
    assert s.judicial_confirmation_apply(agreed, actor=director).pk


def test_twice_is_refused(agreed, clerk):
    s.judicial_confirmation_apply(agreed, actor=clerk)
    agreed.refresh_from_db()
    with pytest.raises(InvalidState, match="已申请司法确认"):
        s.judicial_confirmation_apply(agreed, actor=clerk)
    assert JudicialConfirmation.objects.filter(case=agreed).count() == 1


def test_no_agreement_yet_is_the_wrong_state(register, walk, clerk):
    case = register()
    walk(case, "session_held")
    with pytest.raises(InvalidState, match="申请司法确认"):
        s.judicial_confirmation_apply(case, actor=clerk)


def test_after_30_days_is_refused_day_30_is_not(closed, clerk):
    late, last_day = closed(), closed()
    with (
        time_machine.travel(T0 + dt.timedelta(days=31), tick=False),
        pytest.raises(PreconditionFailed) as refused,
    ):
        s.judicial_confirmation_apply(late, actor=clerk)
    assert "司法确认须在协议生效后30日内申请（截止2026-12-02）" in refused.value.missing
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        assert s.judicial_confirmation_apply(last_day, actor=clerk).applied_on == dt.date(
            2026, 12, 2
        )


def test_committee_without_basic_court_says_so(agreed, clerk, world):
    world["east"].basic_court = ""
    world["east"].save()
    agreed.refresh_from_db()
    with pytest.raises(PreconditionFailed) as refused:
        s.judicial_confirmation_apply(agreed, actor=clerk)
    assert refused.value.missing == ["“东村人民调解委员会”的基层人民法院（请管理员在调委会中填写）"]
    assert not Document.objects.filter(case=agreed, code="JCA").exists()


def test_agreement_not_yet_issued_is_refused(agreed, clerk):
    Document.objects.filter(case=agreed, code="AGR").update(status="pending")
    with pytest.raises(PreconditionFailed, match="已出具的人民调解协议书"):
        s.judicial_confirmation_apply(agreed, actor=clerk)


def test_oral_agreement_is_refused(agreed, clerk):
    agreed.current_agreement.__class__.objects.filter(case=agreed).update(kind="oral")
    agreed.refresh_from_db()
    assert not may_apply(agreed)
    with pytest.raises(PreconditionFailed, match="口头协议不能申请司法确认"):
        s.judicial_confirmation_apply(agreed, actor=clerk)


def test_applied_on_in_the_future_is_refused(agreed, clerk):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="申请日期不能晚于今天"):
        s.judicial_confirmation_apply(agreed, actor=clerk, applied_on="2099-01-01")


# --- the day-25 warning ---------------------------------------------------------------------


def test_warning_from_day_25_once_then_not_after_applying(agreed, clerk, mediator, director):
    with time_machine.travel(T0 + dt.timedelta(days=24), tick=False):
        sla_sweep()
    assert not judicial_warnings(agreed).exists()
    with time_machine.travel(T0 + dt.timedelta(days=25), tick=False):
        sla_sweep()
        sla_sweep()  # a second run the same day sends nothing more
    with time_machine.travel(T0 + dt.timedelta(days=27), tick=False):
        sla_sweep()  # nor a later one
    warned = judicial_warnings(agreed)
    assert {n.user for n in warned} == {mediator, clerk, director}
    assert warned.count() == 3
    message = warned.first().message
    assert agreed.number in message
    assert agreed.current_agreement.number in message
    assert "2026-12-02" in message


def test_no_warning_when_applied_or_past_the_window(closed, clerk):
    applied, past = closed(), closed()
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        s.judicial_confirmation_apply(applied, actor=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        sla_sweep()
    with time_machine.travel(T0 + dt.timedelta(days=26), tick=False):
        sla_sweep()
    assert not judicial_warnings(applied).exists()
    assert judicial_warnings(past).count() >= 1  # day 26 is inside the window
