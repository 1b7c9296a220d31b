"""The judicial-confirmation hand-off (SPEC §13, §3 JudicialConfirmation): one action assembles
the 司法确认 application of an effective written agreement for the committee's basic court —
the 司法确认申请书 (JCA) and the one-PDF bundle (JCB: JCA + the issued AGR + the parties'
identity page) — and records the application. The documents render after commit; the day-25
warning is `sla_sweep`'s (workflows.deadlines.judicial_warning_q).

After the court's answer (`judicial_result_record`: 确认有效 or 驳回申请) a refused agreement is
not applied for again as it is (人民调解法 第三十三条): the parties change it or reach a new one
through mediation — the director's 重新调解 (`reopen`, allowed by a refusal without the
follow-up's "not performed", workflows.services.transitions) returns the case to 调解, the
assigned mediator records the changed or new agreement (`record_agreement`) — and that
agreement is applied for anew, within 30 days of its own effective date, unless its content is
the refused one's. Or they sue (诉讼): nothing to record here."""

from __future__ import annotations

from django.contrib.auth.models import User

from cases.choices import AgreementKind, ConfirmationResult, Status
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


def pending_application(case: Case) -> JudicialConfirmation | None:
    """The current agreement's application still awaiting the court's answer."""
    agreement = case.current_agreement
    record = current_application(case, agreement) if agreement is not None else None
    return record if record is not None and record.result == ConfirmationResult.PENDING else None


def refused_application(case: Case) -> JudicialConfirmation | None:
    """The current agreement's application, when the court refused it (驳回申请/不予确认)."""
    agreement = case.current_agreement
    record = current_application(case, agreement) if agreement is not None else None
    return record if record is not None and record.result == ConfirmationResult.REJECTED else None


# 人民调解法 第三十三条: what the parties may do after the court refuses.
AFTER_REFUSAL = (
    "当事人可以通过人民调解方式变更原调解协议或者达成新的调解协议（由调委会主任办理“重新调解”），"
    "也可以向人民法院提起诉讼"
)


def _content(agreement: Agreement) -> tuple[object, ...]:
    """What the court was asked to confirm: a changed agreement differs in one of these."""
    return (
        [str(t).strip() for t in agreement.terms],
        agreement.performance_method.strip(),
        agreement.performance_deadline,
        agreement.amount,
    )


def refused_same_content(case: Case, agreement: Agreement) -> Agreement | None:
    """An earlier agreement of the case with the same content whose application the court
    refused: applying for `agreement` would be applying for the refused one unchanged."""
    refused = JudicialConfirmation.objects.filter(
        case=case, superseded_by__isnull=True, result=ConfirmationResult.REJECTED
    ).exclude(agreement=agreement)
    for record in refused.select_related("agreement").order_by("-id"):
        if _content(record.agreement) == _content(agreement):
            return record.agreement
    return None


def apply_refusal(case: Case) -> str:
    """Why 申请司法确认 cannot be offered now, in Chinese ("" when it can: the service still
    checks every guard, with its reasons). The case page and the API say it."""
    agreement = case.current_agreement
    if agreement is None:
        return "本案尚无调解协议，不能申请司法确认。"
    if agreement.kind != AgreementKind.WRITTEN:
        return "口头协议不能申请司法确认，须为书面调解协议。"
    record = current_application(case, agreement)
    if record is not None and record.result == ConfirmationResult.REJECTED:
        on = f"于{record.result_on}" if record.result_on else ""
        if case.status == Status.ARCHIVED:
            after = "案件已归档，当事人可以向人民法院提起诉讼，或者重新申请调解。"
        elif case.status == Status.CLOSURE:
            after = f"{AFTER_REFUSAL}（结案审批中的案件，先由主任批准结案）。"
        else:
            after = f"{AFTER_REFUSAL}。"
        return (
            f"{record.court}已{on}驳回调解协议{agreement.number}的司法确认申请，"
            f"不能以原协议再次申请：{after}"
        )
    if record is not None and record.result == ConfirmationResult.CONFIRMED:
        return f"调解协议{agreement.number}已经{record.court}确认有效。"
    if record is not None:
        return f"调解协议{agreement.number}已于{record.applied_on}申请司法确认，正在{record.court}审查。"
    same = refused_same_content(case, agreement)
    if same is not None:
        return (
            f"调解协议{agreement.number}与人民法院已驳回的协议{same.number}内容相同，"
            "不能原样再次申请：须变更协议内容或者达成新的协议。"
        )
    return ""


def may_apply(case: Case) -> bool:
    """Whether the case page offers 申请司法确认: a written agreement not applied for yet, nor
    the content of one the court refused (`apply_refusal` says why not)."""
    return apply_refusal(case) == ""


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
        earlier = current_application(ch.case, agreement) if agreement is not None else None
        if earlier is not None and earlier.result == ConfirmationResult.REJECTED:
            raise InvalidState(apply_refusal(ch.case))
        if earlier is not None:
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
            same = refused_same_content(ch.case, agreement)
            if same is not None:
                missing.append(
                    f"变更后的调解协议（与人民法院已驳回的协议{same.number}内容相同，"
                    "须变更协议内容或者达成新的协议）"
                )
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


RESULTS = {ConfirmationResult.CONFIRMED, ConfirmationResult.REJECTED}


def judicial_result_record(
    case: Case,
    *,
    actor: User | None,
    result: str,
    result_on: object = None,
    ip: str | None = None,
) -> JudicialConfirmation:
    """登记法院审查结果: the court's answer to the pending application of the current agreement —
    确认有效 (confirmed) or 驳回申请 (rejected: 驳回申请/不予确认) — and its date (not before the
    application, not after today). Clerk, director or an assigned mediator, once per
    application. A refusal opens the way of 第三十三条 (module docstring)."""
    with action(case, actor=actor, name="judicial_result", ip=ip) as ch:
        agreement = ch.case.current_agreement
        record = current_application(ch.case, agreement) if agreement is not None else None
        if record is None:
            raise InvalidState("本案没有已申请的司法确认，不能登记法院审查结果。")
        if record.result != ConfirmationResult.PENDING:
            raise InvalidState(
                f"法院审查结果已登记为“{record.get_result_display()}”（{record.result_on}），"
                "不能再次登记。"
            )
        if result not in RESULTS:
            message = "审查结果须为“确认有效”（confirmed）或“驳回申请”（rejected）。"
            raise InvalidInput(message, fields={"result": [message]})
        on = date_or_none(result_on, "result_on")
        missing = []
        if on is None:
            missing.append("法院作出裁定的日期")
        elif on > deadlines.today():
            message = "裁定日期不能晚于今天。"
            raise InvalidInput(message, fields={"result_on": [message]})
        elif on < record.applied_on:
            message = f"裁定日期不能早于申请日期（{record.applied_on}）。"
            raise InvalidInput(message, fields={"result_on": [message]})
        guard(missing)
        record.result, record.result_on = result, on
        record.save(update_fields=["result", "result_on"])
        ch.data["record"] = {"kind": "judicial_confirmation", "id": record.pk}
        ch.data["result"] = result
        ch.data["agreement"] = agreement.number if agreement is not None else ""
        ch.reason = record.get_result_display()
    return record
