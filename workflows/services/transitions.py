"""The transitions of SPEC §4 (受理 → 调查 → 调解 → 结案 → 回访 → 归档): one handler each, run by
`case_transition` under the rules of workflows/transitions.py (who, guard)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django_fsm import TransitionNotAllowed, can_proceed

from cases import scope
from cases.choices import AGREEMENT_OUTCOMES, AgreementKind, Outcome, RiskLevel
from cases.models import Agreement, AgreementDraft, Case, DeadlineExtension, DeadlineSettings
from core.errors import InvalidInput, InvalidState, NotFound, PreconditionFailed
from core.images import CleanPhoto
from core.parsing import clean_terms
from documents.models import EvidencePhoto
from workflows import deadlines, notify
from workflows.models import CaseEvent
from workflows.services.change import Change, Imported, change, full_clean, next_number
from workflows.services.inputs import committee_mediators, date_or_none, decimal_or_none
from workflows.services.photos import attach_photos
from workflows.transitions import SPECS, Spec, fsm_method


def case_transition(
    case: Case,
    name: str,
    *,
    actor: User | None,
    ip: str | None = None,
    imported: Imported | None = None,
    **data: Any,
) -> Case:
    spec = SPECS.get(name)
    if spec is None:
        raise NotFound(f"没有名为“{name}”的流程操作。")
    scope.check_role(actor, case, spec.roles, spec.label)
    handler = _HANDLERS[name]
    try:  # unknown or missing arguments are bad input; a TypeError inside is a bug (500)
        inspect.signature(handler).bind(None, spec, **data)
    except TypeError as exc:
        raise InvalidInput(f"“{spec.label}”的参数有误：{exc}") from None
    with change(
        case, actor=actor, name=name, kind=CaseEvent.Kind.TRANSITION, ip=ip, imported=imported
    ) as ch:
        try:
            handler(ch, spec, **data)
        except TransitionNotAllowed:
            raise InvalidState(
                f"案件当前状态为“{ch.case.get_status_display()}”，不能办理“{spec.label}”。"
            ) from None
        if ch.case.status != ch.from_status:
            ch.case.deadline = deadlines.stage_deadline(ch.case)
    return case


def _state_check(ch: Change, method: str, label: str) -> None:
    if not can_proceed(getattr(ch.case, fsm_method(method))):
        raise InvalidState(f"案件当前状态为“{ch.case.get_status_display()}”，不能办理“{label}”。")


def guard(missing: list[str]) -> None:
    if missing:
        raise PreconditionFailed(missing)


def _accept(ch: Change, spec: Spec, *, mediators: Sequence[User | int | str] = ()) -> None:
    case = ch.case
    _state_check(ch, "accept", spec.label)
    users = (
        committee_mediators(mediators, case.organization)
        if mediators
        else list(case.mediators.all())
    )
    guard(spec.guard(case, mediators=users))
    case.accept()
    case.mediators.set(users)
    case.accepted_at = deadlines.now()
    ch.documents = [("REG", None), ("NOT", None)]
    if not ch.imported:
        notify.task_assigned(case, users)


def _close_without_agreement(ch: Change, outcome: str, reason: str) -> None:
    ch.case.outcome, ch.case.closing_reason, ch.case.outcome_at = (
        outcome,
        reason,
        deadlines.now(),
    )
    ch.reason = reason


def _decline(ch: Change, spec: Spec, *, reason: str = "") -> None:
    _state_check(ch, "decline", spec.label)
    guard(spec.guard(ch.case, reason=reason))
    ch.case.decline()
    _close_without_agreement(ch, Outcome.DECLINED, reason)
    ch.documents = [("DEC", None)]


def _start_mediation(ch: Change, spec: Spec) -> None:
    _state_check(ch, "start_mediation", spec.label)
    guard(spec.guard(ch.case))
    ch.case.start_mediation()


def _record_agreement(
    ch: Change,
    spec: Spec,
    *,
    kind: str = "written",
    terms: Sequence[object] = (),
    performance_method: str = "",
    performance_deadline: object = None,
    amount: object = None,
    signatures_complete: bool | None = None,
    parties_signed: bool | None = None,
    mediator_signed: bool | None = None,
    seal_affixed: bool | None = None,
    facts: str = "",
    responsibilities: str = "",
    effective_on: object = None,
    signed_photos: Sequence[CleanPhoto] = (),
) -> None:
    """`signed_photos`: photos of the paper agreement as signed (core.images-cleaned).

    A written agreement recorded without terms while the case has an open draft (SPEC §14
    签署协议, portal/signing.py) is the draft: its terms, method, deadline, amount and facts,
    and "signed" comes from its signatures (each party's signed online or on paper; the
    mediator recording it signs and the committee's electronic seal goes on the AGR), no tick
    box. An open draft the agreement does not take is superseded."""
    case = ch.case
    _state_check(ch, "record_agreement", spec.label)
    if kind not in AgreementKind.values:
        raise InvalidInput("协议形式须为 written 或 oral", fields={"kind": ["无效的协议形式"]})
    if not isinstance(terms, (list, tuple)):
        raise InvalidInput("协议条款须为列表", fields={"terms": ["须为列表"]})
    draft = (
        AgreementDraft.objects.select_for_update()
        .filter(case=case, status=AgreementDraft.Status.OPEN)
        .first()
    )
    from_draft = draft is not None and kind == AgreementKind.WRITTEN and not clean_terms(terms)
    unsigned: list[str] = []
    if from_draft:
        assert draft is not None
        terms = list(draft.terms)
        performance_method = performance_method or draft.performance_method
        if performance_deadline in (None, ""):
            performance_deadline = draft.performance_deadline
        if amount in (None, ""):
            amount = draft.amount
        facts = facts or draft.facts
        responsibilities = responsibilities or draft.responsibilities
        signatures = list(draft.signatures.select_related("party").order_by("party__role", "pk"))
        unsigned = [s.party.name for s in signatures if not s.done]
    deadline = date_or_none(performance_deadline, "performance_deadline")
    value = decimal_or_none(amount, "amount")
    terms = clean_terms(terms)  # the documents number the terms: a typed "一、" is dropped
    if from_draft:
        sig = [not unsigned, True, True]
    else:
        sig = (
            [bool(signatures_complete)] * 3
            if signatures_complete is not None
            else [bool(parties_signed), bool(mediator_signed), bool(seal_affixed)]
        )
    guard(
        spec.guard(
            case,
            kind=kind,
            terms=list(terms),
            performance_deadline=deadline,
            signatures=sig,
            unsigned=unsigned,
        )
    )
    assert deadline is not None  # else the guard has raised (履行期限)
    case.record_agreement()
    year = deadlines.today().year
    seq = next_number(case.organization, year, "agreement")
    agreement = Agreement(
        case=case,
        created_by=ch.actor,
        kind=kind,
        year=year,
        seq=seq,
        number=settings.TIAOJIE_AGREEMENT_NUMBER_FORMAT.format(
            year=year, org=case.organization.short_code, seq=seq
        ),
        facts=facts or case.summary,
        responsibilities=responsibilities,
        terms=list(terms),
        performance_method=performance_method or "当事人自行履行",
        performance_deadline=deadline,
        amount=value,
        effective_on=date_or_none(effective_on, "effective_on") or deadlines.today(),
        parties_signed=sig[0],
        mediator_signed=sig[1],
        seal_affixed=sig[2],
    )
    full_clean(agreement, exclude=["case", "created_by", "superseded_by"])
    agreement.save()
    if draft is not None:
        draft.status = (
            AgreementDraft.Status.USED if from_draft else AgreementDraft.Status.SUPERSEDED
        )
        draft.agreement = agreement if from_draft else None
        draft.save(update_fields=["status", "agreement"])
        ch.data["draft"] = {"id": draft.pk, "status": draft.status}
    case.outcome = (
        Outcome.AGREEMENT_WRITTEN if kind == AgreementKind.WRITTEN else Outcome.AGREEMENT_ORAL
    )
    case.outcome_at = deadlines.now()
    ch.data["agreement"] = {"id": agreement.pk, "number": agreement.number}
    ch.documents = [("AGR" if kind == AgreementKind.WRITTEN else "ORA", agreement)]
    if signed_photos:
        attach_photos(ch, signed_photos, kind=EvidencePhoto.Kind.AGREEMENT)


def _record_failure(ch: Change, spec: Spec, *, reason: str = "") -> None:
    _state_check(ch, "record_failure", spec.label)
    guard(spec.guard(ch.case, reason=reason))
    ch.case.record_failure()
    _close_without_agreement(ch, Outcome.FAILED, reason)
    ch.documents = [("TRM", None)]


def _withdraw(ch: Change, spec: Spec, *, party: object = "", reason: str = "") -> None:
    _state_check(ch, "withdraw", spec.label)
    guard(spec.guard(ch.case, party=str(party), reason=reason))
    ch.case.withdraw()
    _close_without_agreement(ch, Outcome.WITHDRAWN, reason)
    ch.case.withdrawn_by = str(party)
    ch.data["party"] = str(party)
    ch.documents = [("TRM", None)]


def _extend_deadline(
    ch: Change, spec: Spec, *, days: int | float | str = 0, consent: bool = False, reason: str = ""
) -> None:
    case = ch.case
    _state_check(ch, "extend_deadline", spec.label)
    try:
        n = int(days)
    except (TypeError, ValueError):
        raise InvalidInput("延长天数须为整数", fields={"days": ["须为整数"]}) from None
    guard(
        spec.guard(
            case,
            days=n,
            consent=bool(consent),
            max_days=DeadlineSettings.current().max_extension_days,
        )
    )
    case.extend_deadline()
    old = case.deadline or deadlines.today()
    assert ch.actor is not None  # case_transition's check_role refuses no actor (NotFound)
    ext = DeadlineExtension.objects.create(
        case=case,
        created_by=ch.actor,
        days=n,
        old_deadline=old,
        new_deadline=old + dt.timedelta(days=n),
        reason=reason,
        consent=[{"party": p.name, "consented": True} for p in case.parties.all()],
    )
    case.deadline, case.extended_days = ext.new_deadline, case.extended_days + n
    ch.reason = reason
    ch.data["days"] = n
    ch.documents = [("EXT", ext)]


def _approve_closure(ch: Change, spec: Spec, *, summary_of_work: str = "") -> None:
    case = ch.case
    _state_check(ch, "approve_closure", spec.label)
    if summary_of_work:
        case.summary_of_work = summary_of_work
    guard(spec.guard(case))
    follow_up = case.outcome in AGREEMENT_OUTCOMES or case.risk_level in (
        RiskLevel.HIGH,
        RiskLevel.CRITICAL,
    )
    if follow_up:
        case.approve_closure_to_follow_up()
    else:
        case.approve_closure_to_archive()
        case.archived_at = deadlines.now()
    case.closed_at = deadlines.now()
    from workflows.services.leads import feedback_documents  # leads imports registration

    ch.documents = [
        ("CLS", None),
        *feedback_documents(case, actor=ch.actor),  # the 反馈函 to a referring sender (§13)
        *([] if follow_up else [("DOS", None)]),
    ]


def _reopen(ch: Change, spec: Spec, *, reason: str = "") -> None:
    case = ch.case
    _state_check(ch, "reopen", spec.label)
    from workflows.services.judicial import refused_application  # judicial imports this module

    refused = refused_application(case)
    if refused is None:
        guard(spec.guard(case, reason=reason))
    else:  # 人民调解法第三十三条: the court refused 司法确认 — mediate a changed or new agreement
        guard([] if reason.strip() else ["重新调解的理由"])
        ch.data["judicial_refused"] = {"id": refused.pk, "court": refused.court}
    case.reopen()
    case.outcome, case.closed_at = "", None
    case.deadline = None
    ch.reason = reason


def _archive(ch: Change, spec: Spec) -> None:
    _state_check(ch, "archive", spec.label)
    # An imported case has no documents to be complete (see Imported); the rest of the guard holds.
    guard(spec.guard(ch.case, documents=not ch.imported))
    ch.case.archive()
    ch.case.archived_at = deadlines.now()
    ch.documents = [("DOS", None)]


_HANDLERS: dict[str, Callable[..., None]] = {
    "accept": _accept,
    "decline": _decline,
    "start_mediation": _start_mediation,
    "record_agreement": _record_agreement,
    "record_failure": _record_failure,
    "withdraw": _withdraw,
    "extend_deadline": _extend_deadline,
    "approve_closure": _approve_closure,
    "reopen": _reopen,
    "archive": _archive,
}
