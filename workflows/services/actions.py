"""Audited actions that are not state changes (reassign, 上报, 督办, risk, parties): who may take
each and in which states is the one `ACTIONS` table, which `action` enforces and
workflows.selectors.allowed_actions shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.utils import timezone

from cases import scope
from cases.choices import RiskLevel, Role, Status
from cases.models import Case, Organization, Party, SupervisionNotice
from core.errors import InvalidInput, InvalidState, NotFound, PreconditionFailed
from workflows import deadlines, notify
from workflows.models import CaseEvent
from workflows.services.change import Change, Imported, change, check_factors, full_clean
from workflows.services.inputs import committee_mediators, date_or_none, moment_or_none
from workflows.services.registration import PARTY_FIELDS, build_party
from workflows.services.transitions import guard
from workflows.transitions import conflict_of_interest, register_problems

CLERK, DIRECTOR, SUPERVISOR, ASSIGNED = Role.CLERK, Role.DIRECTOR, Role.SUPERVISOR, scope.ASSIGNED
EDITABLE = (Status.INTAKE, Status.INVESTIGATION, Status.MEDIATION, Status.CLOSURE, Status.FOLLOW_UP)
_OPEN_EDIT = (Status.INTAKE, Status.INVESTIGATION, Status.MEDIATION)


class ActionRule(NamedTuple):
    label: str
    roles: frozenset[str]
    states: tuple[str, ...] | None  # None: any state


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
    # SPEC §14 调解时间地点: the next session announced to the parties (portal/notices.py)
    "session_schedule": ActionRule(
        "安排调解时间地点", frozenset({ASSIGNED}), (Status.INVESTIGATION, Status.MEDIATION)
    ),
    "follow_up_add": ActionRule("添加回访记录", frozenset({ASSIGNED}), (Status.FOLLOW_UP,)),
    "judicial_confirmation": ActionRule(
        "登记司法确认",
        frozenset({CLERK, DIRECTOR, ASSIGNED}),
        (Status.CLOSURE, Status.FOLLOW_UP, Status.ARCHIVED),
    ),
    # SPEC §13: assemble the 司法确认 application (JCA + bundle) and record it
    # (workflows.services.judicial).
    "judicial_apply": ActionRule(
        "申请司法确认",
        frozenset({CLERK, DIRECTOR, ASSIGNED}),
        (Status.CLOSURE, Status.FOLLOW_UP, Status.ARCHIVED),
    ),
    # the court's answer to that application: 确认有效 or 驳回申请 (第三十三条)
    "judicial_result": ActionRule(
        "登记法院审查结果",
        frozenset({CLERK, DIRECTOR, ASSIGNED}),
        (Status.CLOSURE, Status.FOLLOW_UP, Status.ARCHIVED),
    ),
}


@contextmanager
def action(
    case: Case,
    *,
    actor: User | None,
    name: str,
    ip: str | None = None,
    imported: Imported | None = None,
) -> Iterator[Change]:
    """`change` behind the ACTIONS rule: scope, role, state."""
    rule = ACTIONS[name]
    scope.check_role(actor, case, rule.roles, rule.label)
    if rule.states is not None and case.status not in rule.states:
        raise InvalidState(f"案件当前状态为“{case.get_status_display()}”，不能办理“{rule.label}”。")
    with change(case, actor=actor, name=name, ip=ip, imported=imported) as ch:
        yield ch


def case_reassign(
    case: Case,
    *,
    actor: User | None,
    mediators: Sequence[User | int | str],
    reason: str = "",
    ip: str | None = None,
) -> Case:
    with action(case, actor=actor, name="reassign", ip=ip) as ch:
        users = committee_mediators(mediators, ch.case.organization)
        guard(
            (["至少指派一名调解员"] if not users else [])
            + conflict_of_interest(ch.case, users)
            + register_problems(ch.case, users)
        )
        added = [u for u in users if u not in set(ch.case.mediators.all())]
        ch.case.mediators.set(users)
        ch.reason = reason
        notify.task_assigned(ch.case, added)
    return case


def case_escalate(
    case: Case,
    *,
    actor: User | None,
    organization: Organization,
    reason: str,
    ip: str | None = None,
) -> Case:
    """上报: the case moves to another committee and keeps its number."""
    with action(case, actor=actor, name="escalate", ip=ip) as ch:
        guard(
            (["上报的理由"] if not reason.strip() else [])
            + (["须上报至其他调委会"] if organization.pk == ch.case.organization_id else [])
        )
        # SPEC §12: only up the region tree, to a committee over the case's region.
        if not Organization.objects.filter(
            scope.escalation_targets_q(ch.case), pk=organization.pk
        ).exists():
            message = (
                f"只能上报至案件发生地的上级调委会（乡镇、县级等），"
                f"“{organization.name}”不是{ch.case.region.full_name}的上级调委会。"
            )
            raise InvalidInput(message, fields={"organization": [message]})
        from_name = ch.case.organization.name
        ch.case.organization = organization
        ch.case.mediators.clear()
        notify.escalated(ch.case, from_name)
        ch.reason = reason
        ch.data["to_organization"] = organization.name
    return case


def case_supervise(
    case: Case,
    *,
    actor: User | None,
    content: str,
    reply_by: object = None,
    ip: str | None = None,
    force: bool = False,
) -> SupervisionNotice:
    """督办: a supervisor's notice, issued as SUP; no edit of case content. A second 督办 of
    the same case within SUPERVISE_REPEAT_HOURS is refused unless `force` (仍要再次督办)."""
    if not content.strip():
        raise PreconditionFailed(["督办事项"])
    with action(case, actor=actor, name="supervise", ip=ip) as ch:
        last = last_supervision(ch.case)
        if last is not None and not force:
            message = (
                f"本案已于{timezone.localtime(last.created_at):%Y-%m-%d %H:%M}督办过，"
                f"{SUPERVISE_REPEAT_HOURS}小时内再次督办须勾选“仍要再次督办”。"
            )
            raise InvalidInput(message, fields={"force": [message]})
        region = (
            next(
                m.region
                for m in scope.memberships(actor)
                if m.role == Role.SUPERVISOR
                and m.region is not None
                and ch.case.region_path.startswith(m.region.path)
            )
            if not scope.is_admin(actor)
            else ch.case.region
        )
        assert actor is not None  # action's check_role refuses no actor (NotFound)
        notice = SupervisionNotice.objects.create(
            case=ch.case,
            created_by=actor,
            content=content,
            reply_by=date_or_none(reply_by, "reply_by"),
            authority=f"{region.name}督导",
        )
        ch.reason = content
        ch.data["content"] = content
        if last is not None:
            ch.data["repeat_of"] = last.pk
        ch.documents = [("SUP", notice)]
        notify.supervision(ch.case, notice)
    return notice


SUPERVISE_REPEAT_HOURS = 24


def last_supervision(case: Case) -> SupervisionNotice | None:
    """The case's 督办 notice of the last SUPERVISE_REPEAT_HOURS, if any."""
    since = timezone.now() - dt.timedelta(hours=SUPERVISE_REPEAT_HOURS)
    return (
        SupervisionNotice.objects.filter(case=case, created_at__gte=since)
        .order_by("-created_at", "-pk")
        .first()
    )


def case_reassess_risk(
    case: Case, *, actor: User | None, factors: list[str], reason: str = "", ip: str | None = None
) -> Case:
    check_factors(factors, "factors")
    with action(case, actor=actor, name="reassess_risk", ip=ip) as ch:
        ch.case.risk_factors = sorted(set(factors))
        ch.reason = reason
        ch.data["factors"] = ch.case.risk_factors
    return case


def case_report_risk(
    case: Case, *, actor: User | None, reported_to: str, reason: str = "", ip: str | None = None
) -> Case:
    """The acknowledged "report to police / 综治中心" step a critical case requires."""
    with action(case, actor=actor, name="report_risk", ip=ip) as ch:
        if ch.case.risk_level != RiskLevel.CRITICAL:
            raise PreconditionFailed(["仅重大风险案件需要报告"])
        if not reported_to.strip():
            raise PreconditionFailed(["报告对象（公安机关或综治中心）"])
        ch.case.risk_reported_at = deadlines.now()
        ch.reason = reason
        ch.data["reported_to"] = reported_to
    return case


SCHEDULE_AHEAD = dt.timedelta(days=90)


def case_schedule_session(
    case: Case,
    *,
    actor: User | None,
    held_at: object,
    place: str,
    ip: str | None = None,
) -> Case:
    """安排调解: the time and place of the next mediation session, announced to the parties by
    SMS (调解时间地点) and shown on their follow page until it has passed. A later schedule
    replaces an earlier one; what was held is recorded with 添加调解记录 as before."""
    moment = moment_or_none(held_at, "held_at")
    missing = [name for name, ok in (("调解时间", moment), ("调解地点", place.strip())) if not ok]
    if missing:
        raise PreconditionFailed(missing)
    assert moment is not None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    now = timezone.now()
    if moment <= now:
        message = "安排的调解时间须晚于现在。"
        raise InvalidInput(message, fields={"held_at": [message]})
    if moment > now + SCHEDULE_AHEAD:
        message = "调解时间最多安排在90天以内。"
        raise InvalidInput(message, fields={"held_at": [message]})
    with action(case, actor=actor, name="session_schedule", ip=ip) as ch:
        ch.data["session"] = {"held_at": moment.isoformat(), "place": place.strip()[:200]}
    return case


def scheduled_session(case: Case) -> dict[str, Any] | None:
    """The next announced session of `case` ({held_at: datetime, place}) if still to come."""
    event = (
        CaseEvent.objects.filter(case=case, name="session_schedule").order_by("-at", "-pk").first()
    )
    if event is None:
        return None
    session = event.data.get("session") or {}
    moment = moment_or_none(session.get("held_at"), "held_at")
    if moment is None or moment <= timezone.now():
        return None
    return {"held_at": moment, "place": str(session.get("place", ""))}


def party_add(case: Case, *, actor: User | None, ip: str | None = None, **fields: Any) -> Party:
    with action(case, actor=actor, name="party_add", ip=ip) as ch:
        party = build_party(ch.case, fields)
        party.save()
        ch.data["party"] = {"id": party.pk, "name": party.name, "role": party.role}
    return party


def party_correct(
    case: Case,
    party: Party,
    *,
    actor: User | None,
    reason: str,
    ip: str | None = None,
    **fields: Any,
) -> Party:
    if party.case_id != case.pk:
        raise NotFound("当事人不存在。")
    with action(case, actor=actor, name="party_correct", ip=ip) as ch:
        if not reason.strip():
            raise PreconditionFailed(["更正理由"])
        changed = {}
        for key, value in fields.items():
            if key not in PARTY_FIELDS:
                raise InvalidInput(f"未知的当事人字段：{key}", fields={key: ["未知字段"]})
            if getattr(party, key) != value:
                changed[key] = True  # personal data is not copied into the audit log
                setattr(party, key, value)
        full_clean(party, exclude=["case"])
        party.save()
        ch.reason = reason
        ch.data["party"] = {"id": party.pk, "fields": sorted(changed)}
    return party


def case_mark_overdue(case: Case) -> bool:
    """Called by `sla_sweep`: record the overdue event once per deadline (and the risk change)."""
    if deadlines.deadline_state(case) != "overdue" or case.deadline is None:
        return False
    key = case.deadline.isoformat()
    if case.events.filter(name="overdue", data__deadline=key).exists():
        return False
    with change(case, actor=None, name="overdue", kind=CaseEvent.Kind.SYSTEM) as ch:
        ch.data["deadline"] = key
        notify.overdue(ch.case)
    return True
