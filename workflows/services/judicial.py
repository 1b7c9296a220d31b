"""The judicial-confirmation hand-off (SPEC §13, §3 JudicialConfirmation): one action assembles
the 司法确认 application of an effective written agreement for the committee's basic court —
the 司法确认申请书 (JCA) and the one-PDF bundle (JCB: JCA + the issued AGR + the parties'
identity page) — and records the application. The documents render after commit; the day-25
warning is `sla_sweep`'s (workflows.deadlines.judicial_warning_q)."""

from __future__ import annotations

from django.contrib.auth.models import User

from cases.choices import AgreementKind
from cases.models import Agreement, Case, JudicialConfirmation
from core.errors import InvalidInput, InvalidState
from documents.models import Document
from workflows import deadlines
from workflows.services.actions import action
from workflows.services.change import full_clean
from workflows.services.inputs import date_or_none
from workflows.services.transitions import guard


def agreement_issued(case: Case, agreement: Agreement) -> bool:
    """The AGR of this agreement has been issued (the bundle binds its stored bytes)."""
    return Document.objects.filter(
        case=case, code="AGR", slot=f"r{agreement.pk}", status=Document.Status.ISSUED
    ).exists()


def current_application(case: Case, agreement: Agreement) -> JudicialConfirmation | None:
    return (
        JudicialConfirmation.objects.filter(
            case=case, agreement=agreement, superseded_by__isnull=True
        )
        .order_by("-id")
        .first()
    )


def may_apply(case: Case) -> bool:
    """Whether the case page offers 申请司法确认: a written agreement, no application yet (the
    service checks every guard again, with its reasons)."""
    agreement = case.current_agreement
    return (
        agreement is not None
        and agreement.kind == AgreementKind.WRITTEN
        and current_application(case, agreement) is None
    )


def judicial_confirmation_apply(
    case: Case,
    *,
    actor: User | None,
    applied_on: object = None,
    court: str = "",
    ip: str | None = None,
) -> JudicialConfirmation:
    """申请司法确认: clerk, director or an assigned mediator, once the case has an effective
    written agreement whose AGR is issued, within the 30 days after it took effect (人民调解法
    第三十三条), once per agreement. `court` defaults to the committee's basic court;
    `applied_on` to today. Records the JudicialConfirmation (pending) and schedules JCA and
    JCB."""
    with action(case, actor=actor, name="judicial_apply", ip=ip) as ch:
        agreement = ch.case.current_agreement
        if agreement is not None and current_application(ch.case, agreement) is not None:
            raise InvalidState("本案调解协议已申请司法确认，不能重复申请。")
        applied = date_or_none(applied_on, "applied_on") or deadlines.today()
        if applied > deadlines.today():
            message = "申请日期不能晚于今天。"
            raise InvalidInput(message, fields={"applied_on": [message]})
        missing = []
        if agreement is None or agreement.kind != AgreementKind.WRITTEN:
            missing.append("书面调解协议（口头协议不能申请司法确认）")
        else:
            if not agreement.signatures_complete:
                missing.append("调解协议已由各方签名并加盖调委会印章（协议生效）")
            if not agreement_issued(ch.case, agreement):
                missing.append("已出具的人民调解协议书（协议书生成后再申请）")
            end = deadlines.judicial_window_end(agreement)
            if applied < agreement.effective_on:
                missing.append(f"申请日期不早于协议生效日期（{agreement.effective_on}）")
            elif applied > end:
                missing.append(f"司法确认须在协议生效后30日内申请（截止{end}）")
        court = (court or "").strip() or ch.case.organization.basic_court.strip()
        if not court:
            missing.append(f"“{ch.case.organization.name}”的基层人民法院（请管理员在调委会中填写）")
        guard(missing)
        assert agreement is not None
        record = JudicialConfirmation(
            case=ch.case, created_by=actor, agreement=agreement, applied_on=applied, court=court
        )
        full_clean(record, exclude=["case", "created_by", "superseded_by"])
        record.save()
        ch.data["record"] = {"kind": "judicial_confirmation", "id": record.pk}
        ch.data["court"] = court
        ch.documents = [("JCA", record), ("JCB", record)]
    return record
