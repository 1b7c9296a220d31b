"""The one owner of case state (STYLE habit 1). Every transition and audited action — from views,
the API, admin actions, viewflow nodes and commands — runs through `_change`, which

1. locks the case row and refuses a stale copy (Conflict, "reload");
2. checks scope (NotFound: a case outside scope does not exist) and role (PermissionDenied);
3. checks the state (InvalidState) and the guards (PreconditionFailed lists everything missing);
4. applies the change, recomputes deadline and risk, and writes exactly one CaseEvent;
5. schedules the stage's documents and notifications with transaction.on_commit.
"""

from __future__ import annotations

import datetime as dt
import inspect
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cases import scope
from cases.choices import (
    AGREEMENT_OUTCOMES,
    AgreementKind,
    Outcome,
    PartyRole,
    RiskFactor,
    RiskLevel,
    Role,
    Status,
)
from cases.models import (
    Agreement,
    Case,
    CaseCounter,
    DeadlineExtension,
    DeadlineSettings,
    FollowUpVisit,
    InvestigationRecord,
    JudicialConfirmation,
    MediationSession,
    Organization,
    Party,
    SupervisionNotice,
    display_name,
)
from workflows import deadlines, flows, notify, risk
from workflows.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from workflows.models import CaseEvent
from workflows.transitions import ASSIGNED, CLERK, DIRECTOR, ROLE_LABELS, SPECS, SUPERVISOR

User = get_user_model()
TRACKED = ("status", "outcome", "organization", "mediators", "risk_level", "risk_score", "deadline")


@dataclass(frozen=True)
class Imported:
    """A past case entered from a committee's register (cases.importing) goes through the same
    services as a live one, with three differences: each change is dated `at` (the register's
    date, so numbering, deadlines and risk follow it), its event carries
    {"imported": true, "source_row": n}, and nothing is sent or issued — no notification for
    work finished long ago, no document (the signed originals are the paper file)."""

    source_row: int
    at: dt.datetime
    original_number: str = ""  # the register's own number, kept to refuse a second import

    def marker(self) -> dict:
        marker = {"imported": True, "source_row": self.source_row}
        if self.original_number:
            marker["original_number"] = self.original_number
        return marker


def _clock(imported: Imported | None):
    return deadlines.clock_at(imported.at) if imported else nullcontext()


def _marker(imported: Imported | None) -> dict:
    return imported.marker() if imported else {}


# --- helpers ------------------------------------------------------------------------------
def effective_roles(user, case) -> set[str]:
    """Roles as the transition table names them: a director may do all a clerk may, and a
    mediator is "assigned" only on cases they are assigned to."""
    roles = scope.roles_for_case(user, case)
    result = set()
    if Role.CLERK in roles:
        result.add(CLERK)
    if Role.DIRECTOR in roles:
        result |= {CLERK, DIRECTOR}
    # A director may be assigned as a case's mediator too (`_users` allows it).
    if roles & {Role.MEDIATOR, Role.DIRECTOR} and case.mediators.filter(pk=user.pk).exists():
        result.add(ASSIGNED)
    if Role.SUPERVISOR in roles:
        result.add(SUPERVISOR)
    return result


def _check_role(user, case, allowed: frozenset[str] | set[str], label: str) -> None:
    if not scope.roles_for_case(user, case):
        raise NotFound("案件不存在。")
    if not effective_roles(user, case) & set(allowed):
        who = "、".join(ROLE_LABELS[r] for r in sorted(allowed))
        raise PermissionDenied(f"“{label}”只能由{who}办理。")


def snapshot(case) -> dict:
    return {
        "status": case.status,
        "outcome": case.outcome,
        "organization": case.organization_id,
        "mediators": sorted(case.mediators.values_list("pk", flat=True)) if case.pk else [],
        "risk_level": case.risk_level,
        "risk_score": case.risk_score,
        "deadline": case.deadline.isoformat() if case.deadline else None,
    }


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after[k]] for k in TRACKED if before.get(k) != after[k]}


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        first = next(iter(fields.values()))[0]
        raise InvalidInput(first, fields=fields) from None


def next_number(organization: Organization, year: int, kind: str) -> int:
    """Gap-free: the counter row is locked until the surrounding transaction ends, and a rollback
    takes the number back with it."""
    try:
        with transaction.atomic():
            CaseCounter.objects.get_or_create(organization=organization, year=year, kind=kind)
    except IntegrityError:
        pass  # another transaction created it first; it is there now
    CaseCounter.objects.filter(organization=organization, year=year, kind=kind).update(
        last=F("last") + 1
    )
    return CaseCounter.objects.get(organization=organization, year=year, kind=kind).last


def _check_factors(factors, field: str) -> None:
    bad = [f for f in factors if f not in RiskFactor.values]
    if bad:
        raise InvalidInput(f"未知的风险因素：{', '.join(bad)}", fields={field: bad})


def _refresh_risk(case) -> risk.Assessment:
    assessment = risk.assess(case, overdue=deadlines.deadline_state(case) == "overdue")
    case.risk_score, case.risk_level, case.risk_reasons = (
        assessment.score,
        assessment.level,
        assessment.reasons,
    )
    return assessment


@dataclass
class Change:
    """What one service call did; `_change` turns it into the event and the side effects."""

    case: Case
    actor: object
    name: str
    kind: str = CaseEvent.Kind.ACTION
    reason: str = ""
    data: dict = field(default_factory=dict)
    documents: list = field(default_factory=list)  # [(code, record or None)]
    from_status: str = ""
    imported: Imported | None = None


@contextmanager
def _change(case: Case, *, actor, name: str, kind=CaseEvent.Kind.ACTION, ip=None, imported=None):
    """Lock, compare versions, yield a Change to fill, then write the event in the same
    transaction and schedule documents/notifications after commit."""
    with _clock(imported), transaction.atomic():
        try:
            locked = Case.objects.select_for_update().get(pk=case.pk)
        except Case.DoesNotExist:
            raise NotFound("案件不存在。") from None
        if locked.version != case.version:
            raise Conflict()
        before = snapshot(locked)
        old_level = locked.risk_level
        change = Change(
            case=locked,
            actor=actor,
            name=name,
            kind=kind,
            from_status=locked.status,
            imported=imported,
        )
        yield change
        _refresh_risk(locked)
        locked.updated_by = actor if actor is not None else locked.updated_by
        try:
            locked.save()
        except ConcurrentTransition:
            raise Conflict() from None
        if not Case.objects.filter(pk=locked.pk, version=case.version).update(
            version=F("version") + 1
        ):
            raise Conflict()
        locked.version = case.version + 1
        after = snapshot(locked)
        event = CaseEvent.objects.create(
            case=locked,
            actor=actor,
            kind=change.kind,
            name=name,
            from_status=change.from_status,
            to_status=locked.status,
            reason=change.reason,
            data={"changes": _diff(before, after), **change.data, **_marker(imported)},
            at=deadlines.now(),
            ip=ip,
        )
        flows.sync(locked, actor, announce=not imported)
        # Nothing to notify or issue for a past case (see Imported).
        if (
            not imported
            and locked.risk_level != old_level
            and locked.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL)
        ):
            notify.high_risk(locked)
        if change.documents and not imported:
            from documents.services import documents_schedule

            documents_schedule(locked, change.documents, actor=actor, event=event)
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    case._update_initial_state()


# --- registration -------------------------------------------------------------------------
PARTY_FIELDS = (
    "role",
    "kind",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "occupation",
)


def _build_party(case, data: dict) -> Party:
    unknown = set(data) - set(PARTY_FIELDS) - {"id"}
    if unknown:
        raise InvalidInput(
            f"未知的当事人字段：{', '.join(sorted(unknown))}",
            fields={k: ["未知字段"] for k in unknown},
        )
    party = Party(case=case, **{k: v for k, v in data.items() if k in PARTY_FIELDS})
    if party.id_number:
        party.id_number = party.id_number.upper()
    _full_clean(party, exclude=["case"])
    return party


def _to_decimal(value, name: str):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{name}不是有效的金额", fields={name: ["不是有效的金额"]}) from None


def case_register(
    *,
    actor,
    organization: Organization,
    region,
    dispute_type,
    source: str,
    summary: str,
    requests: str = "",
    amount_involved=None,
    occurred_on=None,
    parties: list[dict] = (),
    risk_factors: list[str] = (),
    application_kind: str = "written",
    ip=None,
    imported: Imported | None = None,
) -> Case:
    if (
        organization is None
        or not scope.is_admin(actor)
        and not any(
            m.organization_id == organization.pk and m.role in (Role.CLERK, Role.DIRECTOR)
            for m in scope.memberships(actor)
        )
    ):
        if organization is not None and any(
            m.organization_id == organization.pk for m in scope.memberships(actor)
        ):
            raise PermissionDenied("“登记”只能由登记员、调委会主任办理。")
        raise NotFound("调委会不存在。")
    missing = []
    if region is None:
        missing.append("纠纷发生地")
    if dispute_type is None:
        missing.append("纠纷类型")
    if not (summary or "").strip():
        missing.append("纠纷简要情况")
    if not any(p.get("role") == PartyRole.APPLICANT for p in parties):
        missing.append("至少一名申请人")
    if missing:
        raise PreconditionFailed(missing)
    _check_factors(risk_factors, "risk_factors")
    with _clock(imported), transaction.atomic():
        now = deadlines.now()
        year = timezone.localdate(now).year
        case = Case(
            organization=organization,
            region=region,
            region_path=region.path,
            dispute_type=dispute_type,
            source=source,
            summary=summary,
            requests=requests,
            amount_involved=_to_decimal(amount_involved, "amount_involved"),
            occurred_on=occurred_on,
            application_kind=application_kind,
            risk_factors=sorted(set(risk_factors)),
            registered_at=now,
            created_by=actor,
            updated_by=actor,
            year=year,
            seq=0,
            number="-",
        )
        _full_clean(case, exclude=["number", "seq", "year", "status"])
        built = [_build_party(case, p) for p in parties]
        case.seq = next_number(organization, year, "case")
        case.number = settings.TIAOJIE_NUMBER_FORMAT.format(
            year=year, org=organization.short_code, seq=case.seq
        )
        case.register()
        case.deadline = deadlines.stage_deadline(case, on=timezone.localdate(now))
        case.save()
        for party in built:
            party.case = case
            party.save()
        _refresh_risk(case)
        case.save()
        event = CaseEvent.objects.create(
            case=case,
            actor=actor,
            kind=CaseEvent.Kind.TRANSITION,
            name="register",
            from_status="",
            to_status=case.status,
            at=now,
            ip=ip,
            data={"changes": _diff({}, snapshot(case)), "parties": len(built), **_marker(imported)},
        )
        flows.sync(case, actor, announce=not imported)
        if not imported:
            if case.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL):
                notify.high_risk(case)
            from documents.services import documents_schedule

            documents_schedule(case, [("APP", None)], actor=actor, event=event)
    case._update_initial_state()
    return case


# --- transitions --------------------------------------------------------------------------
def _users(ids_or_users, organization) -> list:
    users = []
    for item in ids_or_users or []:
        user = item if isinstance(item, User) else User.objects.filter(pk=item).first()
        if (
            user is None
            or not user.memberships.filter(
                organization=organization, role__in=[Role.MEDIATOR, Role.DIRECTOR]
            ).exists()
        ):
            raise InvalidInput(
                f"用户{item}不是本调委会的调解员",
                fields={"mediators": [f"用户{item}不是本调委会的调解员"]},
            )
        users.append(user)
    return users


def _date(value, name: str):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{name}不是有效日期（YYYY-MM-DD）", fields={name: ["不是有效日期（YYYY-MM-DD）"]}
        ) from None


_FSM_METHOD = {"approve_closure": "approve_closure_to_archive"}


def allowed_transitions(case, user) -> list[str]:
    """Transitions this user may start from the current state (guards are not evaluated here:
    a guard that fails explains itself when tried)."""
    from django_fsm import can_proceed

    roles = effective_roles(user, case)
    return [
        name
        for name, spec in SPECS.items()
        if roles & spec.roles and can_proceed(getattr(case, _FSM_METHOD.get(name, name)))
    ]


def case_transition(
    case: Case, name: str, *, actor, ip=None, imported: Imported | None = None, **data
) -> Case:
    spec = SPECS.get(name)
    if spec is None:
        raise NotFound(f"没有名为“{name}”的流程操作。")
    _check_role(actor, case, spec.roles, spec.label)
    handler = _HANDLERS[name]
    try:  # unknown or missing arguments are bad input; a TypeError inside is a bug (500)
        inspect.signature(handler).bind(None, spec, **data)
    except TypeError as exc:
        raise InvalidInput(f"“{spec.label}”的参数有误：{exc}") from None
    with _change(
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
    from django_fsm import can_proceed

    if not can_proceed(getattr(ch.case, _FSM_METHOD.get(method, method))):
        raise InvalidState(f"案件当前状态为“{ch.case.get_status_display()}”，不能办理“{label}”。")


def _guard(missing: list[str]) -> None:
    if missing:
        raise PreconditionFailed(missing)


def _accept(ch: Change, spec, *, mediators=()):
    case = ch.case
    _state_check(ch, "accept", spec.label)
    users = _users(mediators, case.organization) if mediators else list(case.mediators.all())
    _guard(spec.guard(case, mediators=users))
    case.accept()
    case.mediators.set(users)
    case.accepted_at = deadlines.now()
    ch.documents = [("REG", None), ("NOT", None)]
    if not ch.imported:
        notify.task_assigned(case, users)


def _decline(ch: Change, spec, *, reason=""):
    _state_check(ch, "decline", spec.label)
    _guard(spec.guard(ch.case, reason=reason))
    ch.case.decline()
    ch.case.outcome, ch.case.closing_reason, ch.case.outcome_at = (
        Outcome.DECLINED,
        reason,
        deadlines.now(),
    )
    ch.reason = reason
    ch.documents = [("DEC", None)]


def _start_mediation(ch: Change, spec):
    _state_check(ch, "start_mediation", spec.label)
    _guard(spec.guard(ch.case))
    ch.case.start_mediation()


def _record_agreement(
    ch: Change,
    spec,
    *,
    kind="written",
    terms=(),
    performance_method="",
    performance_deadline=None,
    amount=None,
    signatures_complete=None,
    parties_signed=None,
    mediator_signed=None,
    seal_affixed=None,
    facts="",
    responsibilities="",
    effective_on=None,
):
    case = ch.case
    _state_check(ch, "record_agreement", spec.label)
    if kind not in AgreementKind.values:
        raise InvalidInput("协议形式须为 written 或 oral", fields={"kind": ["无效的协议形式"]})
    if not isinstance(terms, (list, tuple)):
        raise InvalidInput("协议条款须为列表", fields={"terms": ["须为列表"]})
    deadline = _date(performance_deadline, "performance_deadline")
    sig = (
        [bool(signatures_complete)] * 3
        if signatures_complete is not None
        else [bool(parties_signed), bool(mediator_signed), bool(seal_affixed)]
    )
    _guard(
        spec.guard(
            case, kind=kind, terms=list(terms), performance_deadline=deadline, signatures=sig
        )
    )
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
        terms=[str(t).strip() for t in terms if str(t).strip()],
        performance_method=performance_method or "当事人自行履行",
        performance_deadline=deadline,
        amount=_to_decimal(amount, "amount"),
        effective_on=_date(effective_on, "effective_on") or deadlines.today(),
        parties_signed=sig[0],
        mediator_signed=sig[1],
        seal_affixed=sig[2],
    )
    _full_clean(agreement, exclude=["case", "created_by", "superseded_by"])
    agreement.save()
    case.outcome = (
        Outcome.AGREEMENT_WRITTEN if kind == AgreementKind.WRITTEN else Outcome.AGREEMENT_ORAL
    )
    case.outcome_at = deadlines.now()
    ch.data["agreement"] = {"id": agreement.pk, "number": agreement.number}
    ch.documents = [("AGR" if kind == AgreementKind.WRITTEN else "ORA", agreement)]


def _record_failure(ch: Change, spec, *, reason=""):
    _state_check(ch, "record_failure", spec.label)
    _guard(spec.guard(ch.case, reason=reason))
    ch.case.record_failure()
    ch.case.outcome, ch.case.closing_reason, ch.case.outcome_at = (
        Outcome.FAILED,
        reason,
        deadlines.now(),
    )
    ch.reason = reason
    ch.documents = [("TRM", None)]


def _withdraw(ch: Change, spec, *, party="", reason=""):
    _state_check(ch, "withdraw", spec.label)
    _guard(spec.guard(ch.case, party=str(party), reason=reason))
    ch.case.withdraw()
    ch.case.outcome, ch.case.closing_reason, ch.case.withdrawn_by = (
        Outcome.WITHDRAWN,
        reason,
        str(party),
    )
    ch.case.outcome_at = deadlines.now()
    ch.reason = reason
    ch.data["party"] = str(party)
    ch.documents = [("TRM", None)]


def _extend_deadline(ch: Change, spec, *, days=0, consent=False, reason=""):
    case = ch.case
    _state_check(ch, "extend_deadline", spec.label)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise InvalidInput("延长天数须为整数", fields={"days": ["须为整数"]}) from None
    _guard(
        spec.guard(
            case,
            days=days,
            consent=bool(consent),
            max_days=DeadlineSettings.current().max_extension_days,
        )
    )
    case.extend_deadline()
    old = case.deadline or deadlines.today()
    ext = DeadlineExtension.objects.create(
        case=case,
        created_by=ch.actor,
        days=days,
        old_deadline=old,
        new_deadline=old + dt.timedelta(days=days),
        reason=reason,
        consent=[{"party": p.name, "consented": True} for p in case.parties.all()],
    )
    case.deadline, case.extended_days = ext.new_deadline, case.extended_days + days
    ch.reason = reason
    ch.data["days"] = days
    ch.documents = [("EXT", ext)]


def _approve_closure(ch: Change, spec, *, summary_of_work=""):
    case = ch.case
    _state_check(ch, "approve_closure_to_archive", spec.label)
    if summary_of_work:
        case.summary_of_work = summary_of_work
    _guard(spec.guard(case))
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
    ch.documents = [("CLS", None)] + ([] if follow_up else [("DOS", None)])


def _reopen(ch: Change, spec, *, reason=""):
    case = ch.case
    _state_check(ch, "reopen", spec.label)
    _guard(spec.guard(case, reason=reason))
    case.reopen()
    case.outcome, case.closed_at = "", None
    case.deadline = None
    ch.reason = reason


def _archive(ch: Change, spec):
    _state_check(ch, "archive", spec.label)
    # An imported case has no documents to be complete (see Imported); the rest of the guard holds.
    _guard(spec.guard(ch.case, documents=not ch.imported))
    ch.case.archive()
    ch.case.archived_at = deadlines.now()
    ch.documents = [("DOS", None)]


_HANDLERS = {
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


# --- audited actions (not state changes) --------------------------------------------------
EDITABLE = (Status.INTAKE, Status.INVESTIGATION, Status.MEDIATION, Status.CLOSURE, Status.FOLLOW_UP)


class ActionRule(NamedTuple):
    label: str
    roles: frozenset[str]
    states: tuple | None  # None: any state


_OPEN_EDIT = (Status.INTAKE, Status.INVESTIGATION, Status.MEDIATION)
# Audited actions that are not state changes: who may take them and in which states. The one
# table both `_action` (which enforces it) and `allowed_actions` (which the pages show) read.
ACTIONS: dict[str, ActionRule] = {
    "reassign": ActionRule(
        "更换调解员",
        frozenset({DIRECTOR}),
        (Status.INVESTIGATION, Status.MEDIATION, Status.FOLLOW_UP),
    ),
    "escalate": ActionRule("上报", frozenset({CLERK, DIRECTOR}), _OPEN_EDIT),
    "supervise": ActionRule("督办", frozenset({SUPERVISOR}), None),
    "reassess_risk": ActionRule("风险评估", frozenset({CLERK, DIRECTOR, ASSIGNED}), EDITABLE),
    "report_risk": ActionRule("报告重大风险", frozenset({CLERK, DIRECTOR, ASSIGNED}), EDITABLE),
    "party_add": ActionRule("添加当事人", frozenset({CLERK, DIRECTOR}), _OPEN_EDIT),
    "party_correct": ActionRule("更正当事人信息", frozenset({CLERK, DIRECTOR}), EDITABLE),
    "investigation_add": ActionRule(
        "添加调查记录", frozenset({ASSIGNED}), (Status.INVESTIGATION, Status.MEDIATION)
    ),
    "session_add": ActionRule("添加调解记录", frozenset({ASSIGNED}), (Status.MEDIATION,)),
    "follow_up_add": ActionRule("添加回访记录", frozenset({ASSIGNED}), (Status.FOLLOW_UP,)),
    "judicial_confirmation": ActionRule(
        "登记司法确认",
        frozenset({CLERK, DIRECTOR, ASSIGNED}),
        (Status.CLOSURE, Status.FOLLOW_UP, Status.ARCHIVED),
    ),
}


def allowed_actions(case, user) -> list[str]:
    """Audited actions this user may take on the case now (guards are checked when tried)."""
    roles = effective_roles(user, case)
    return [
        name
        for name, rule in ACTIONS.items()
        if roles & rule.roles and (rule.states is None or case.status in rule.states)
    ]


def _action(case, *, actor, name: str, ip=None, imported=None):
    rule = ACTIONS[name]
    _check_role(actor, case, rule.roles, rule.label)
    if rule.states is not None and case.status not in rule.states:
        raise InvalidState(f"案件当前状态为“{case.get_status_display()}”，不能办理“{rule.label}”。")
    return _change(case, actor=actor, name=name, ip=ip, imported=imported)


def case_reassign(case: Case, *, actor, mediators, reason: str = "", ip=None) -> Case:
    from workflows.transitions import conflict_of_interest

    with _action(
        case,
        actor=actor,
        name="reassign",
        ip=ip,
    ) as ch:
        users = _users(mediators, ch.case.organization)
        _guard((["至少指派一名调解员"] if not users else []) + conflict_of_interest(ch.case, users))
        added = [u for u in users if u not in set(ch.case.mediators.all())]
        ch.case.mediators.set(users)
        ch.reason = reason
        notify.task_assigned(ch.case, added)
    return case


def case_escalate(case: Case, *, actor, organization: Organization, reason: str, ip=None) -> Case:
    """上报: the case moves to another committee and keeps its number."""
    with _action(
        case,
        actor=actor,
        name="escalate",
        ip=ip,
    ) as ch:
        _guard(
            (["上报的理由"] if not reason.strip() else [])
            + (["须上报至其他调委会"] if organization.pk == ch.case.organization_id else [])
        )
        from_name = ch.case.organization.name
        ch.case.organization = organization
        ch.case.mediators.clear()
        notify.escalated(ch.case, from_name)
        ch.reason = reason
        ch.data["to_organization"] = organization.name
    return case


def case_supervise(case: Case, *, actor, content: str, reply_by=None, ip=None):
    """督办: a supervisor's notice, issued as SUP; no edit of case content."""
    if not content.strip():
        raise PreconditionFailed(["督办事项"])
    with _action(case, actor=actor, name="supervise", ip=ip) as ch:
        region = (
            next(
                m.region
                for m in scope.memberships(actor)
                if m.role == Role.SUPERVISOR and ch.case.region_path.startswith(m.region.path)
            )
            if not scope.is_admin(actor)
            else ch.case.region
        )
        notice = SupervisionNotice.objects.create(
            case=ch.case,
            created_by=actor,
            content=content,
            reply_by=_date(reply_by, "reply_by"),
            authority=f"{region.name}督导",
        )
        ch.reason = content
        ch.documents = [("SUP", notice)]
        notify.supervision(ch.case, notice)
    return notice


def case_reassess_risk(case: Case, *, actor, factors: list[str], reason: str = "", ip=None):
    _check_factors(factors, "factors")
    with _action(
        case,
        actor=actor,
        name="reassess_risk",
        ip=ip,
    ) as ch:
        ch.case.risk_factors = sorted(set(factors))
        ch.reason = reason
        ch.data["factors"] = ch.case.risk_factors
    return case


def case_report_risk(case: Case, *, actor, reported_to: str, reason: str = "", ip=None):
    """The acknowledged "report to police / 综治中心" step a critical case requires."""
    with _action(
        case,
        actor=actor,
        name="report_risk",
        ip=ip,
    ) as ch:
        if ch.case.risk_level != RiskLevel.CRITICAL:
            raise PreconditionFailed(["仅重大风险案件需要报告"])
        if not reported_to.strip():
            raise PreconditionFailed(["报告对象（公安机关或综治中心）"])
        ch.case.risk_reported_at = deadlines.now()
        ch.reason = reason
        ch.data["reported_to"] = reported_to
    return case


def party_add(case: Case, *, actor, ip=None, **fields) -> Party:
    with _action(
        case,
        actor=actor,
        name="party_add",
        ip=ip,
    ) as ch:
        party = _build_party(ch.case, fields)
        party.save()
        ch.data["party"] = {"id": party.pk, "name": party.name, "role": party.role}
    return party


def party_correct(case: Case, party: Party, *, actor, reason: str, ip=None, **fields) -> Party:
    if party.case_id != case.pk:
        raise NotFound("当事人不存在。")
    with _action(
        case,
        actor=actor,
        name="party_correct",
        ip=ip,
    ) as ch:
        if not reason.strip():
            raise PreconditionFailed(["更正理由"])
        changed = {}
        for key, value in fields.items():
            if key not in PARTY_FIELDS:
                raise InvalidInput(f"未知的当事人字段：{key}", fields={key: ["未知字段"]})
            if getattr(party, key) != value:
                changed[key] = True  # personal data is not copied into the audit log
                setattr(party, key, value)
        _full_clean(party, exclude=["case"])
        party.save()
        ch.reason = reason
        ch.data["party"] = {"id": party.pk, "fields": sorted(changed)}
    return party


# --- records ------------------------------------------------------------------------------
_RECORDS = {  # kind → (model, document code); who and when: ACTIONS["<kind>_add"]
    "investigation": (InvestigationRecord, "INV"),
    "session": (MediationSession, "MED"),
    "follow_up": (FollowUpVisit, "FUV"),
}


def record_add(
    case: Case, kind: str, *, actor, ip=None, imported: Imported | None = None, **fields
):
    """Investigation, session and follow-up records: assigned mediator only; each issues its
    document (INV, MED, FUV) after commit."""
    model, code = _RECORDS[kind]
    with _action(case, actor=actor, name=f"{kind}_add", ip=ip, imported=imported) as ch:
        if kind == "session" and "mediator_names" not in fields:
            fields["mediator_names"] = [display_name(u) for u in ch.case.mediators.all()]
        if kind == "investigation" and "interviewers" not in fields:
            fields["interviewers"] = [display_name(actor)]
        if kind == "follow_up" and "visitor" not in fields:
            fields["visitor"] = display_name(actor)
        known = {f.name for f in model._meta.fields}
        unknown = set(fields) - known
        if unknown:
            raise InvalidInput(
                f"未知字段：{', '.join(sorted(unknown))}", fields={k: ["未知字段"] for k in unknown}
            )
        record = model(case=ch.case, created_by=actor, **fields)
        _full_clean(record, exclude=["case", "created_by", "superseded_by"])
        record.save()
        ch.data["record"] = {"kind": kind, "id": record.pk}
        ch.documents = [(code, record)]
    return record


def judicial_confirmation_add(
    case: Case, *, actor, applied_on, court: str, result="pending", result_on=None, ip=None
):
    """司法确认 must be applied for within 30 days of the agreement taking effect (第33条)."""
    with _action(
        case,
        actor=actor,
        name="judicial_confirmation",
        ip=ip,
    ) as ch:
        agreement = ch.case.current_agreement
        applied = _date(applied_on, "applied_on")
        missing = []
        if agreement is None:
            missing.append("调解协议")
        elif applied and applied > deadlines.judicial_window_end(agreement):
            missing.append(
                f"司法确认须在协议生效后30日内申请（截止{deadlines.judicial_window_end(agreement)}）"
            )
        if not court.strip():
            missing.append("受理的人民法院")
        _guard(missing)
        record = JudicialConfirmation(
            case=ch.case,
            created_by=actor,
            agreement=agreement,
            applied_on=applied,
            court=court,
            result=result,
            result_on=_date(result_on, "result_on"),
        )
        _full_clean(record, exclude=["case", "created_by", "superseded_by"])
        record.save()
        ch.data["record"] = {"kind": "judicial_confirmation", "id": record.pk}
    return record


def case_mark_overdue(case: Case) -> bool:
    """Called by `sla_sweep`: record the overdue event once per deadline (and the risk change)."""
    if deadlines.deadline_state(case) != "overdue":
        return False
    key = case.deadline.isoformat()
    if case.events.filter(name="overdue", data__deadline=key).exists():
        return False
    with _change(case, actor=None, name="overdue", kind=CaseEvent.Kind.SYSTEM) as ch:
        ch.data["deadline"] = key
        notify.overdue(ch.case)
    return True


__all__ = [
    "Imported",
    "case_register",
    "case_transition",
    "allowed_transitions",
    "case_reassign",
    "case_escalate",
    "case_supervise",
    "case_reassess_risk",
    "case_report_risk",
    "party_add",
    "party_correct",
    "record_add",
    "judicial_confirmation_add",
    "case_mark_overdue",
    "effective_roles",
]


def event_label(name: str) -> str:
    """The Chinese name of an event for timelines and audit pages."""
    if name in SPECS:
        return SPECS[name].label
    if name in ACTIONS:
        return ACTIONS[name].label
    return {"register": "登记", "overdue": "标记超期"}.get(name, name)
