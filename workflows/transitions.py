"""The transitions of SPEC §4 as data: who may run each, and its guard. A guard returns the list of
everything missing (in Chinese); an empty list means the transition may run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import User

from cases.choices import AGREEMENT_OUTCOMES, AgreementKind, Outcome, Performance, RiskLevel, Role
from cases.scope import ASSIGNED
from county.register import assignment_problems
from documents.completeness import completeness
from workflows import deadlines

if TYPE_CHECKING:
    from cases.models import Case

CLERK, DIRECTOR = Role.CLERK, Role.DIRECTOR  # the role vocabulary is cases.scope's


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    roles: frozenset[str]
    guard: Callable[..., list[str]]


def fsm_method(name: str) -> str:
    """The `Case` method behind a transition: approval has two targets, the first is the
    state check's."""
    return {"approve_closure": "approve_closure_to_archive"}.get(name, name)


def _critical_unreported(case: Case) -> list[str]:
    if case.risk_level == RiskLevel.CRITICAL and not case.risk_reported_at:
        return ["重大风险案件须先完成“报告公安机关/综治中心”步骤（人民调解法第25条）"]
    return []


def conflict_of_interest(case: Case, mediators: Sequence[User]) -> list[str]:
    """回避: a mediator who is a party, or shares surname+address or a phone with a party."""
    problems = []
    parties = list(case.parties.all())
    for user in mediators:
        name = user.get_full_name() or user.username
        profile = getattr(user, "profile", None)
        phone = getattr(profile, "phone", "") or ""
        address = getattr(profile, "address", "") or ""
        for p in parties:
            if p.name == name:
                problems.append(f"调解员{name}本人是当事人，须回避")
            elif phone and p.phone and phone == p.phone:
                problems.append(f"调解员{name}与当事人{p.name}电话相同，须回避")
            elif address and p.address and name[:1] == p.name[:1] and address == p.address:
                problems.append(f"调解员{name}与当事人{p.name}同姓且住址相同，须回避")
    return problems


def guard_accept(case: Case, *, mediators: Sequence[User]) -> list[str]:
    missing = []
    roles = {p.role for p in case.parties.all()}
    if "applicant" not in roles:
        missing.append("至少一名申请人")
    if "respondent" not in roles:
        missing.append("至少一名被申请人")
    if not mediators:
        missing.append("至少指派一名调解员")
    return (
        missing
        + conflict_of_interest(case, mediators)
        + register_problems(case, mediators)
        + _critical_unreported(case)
    )


def register_problems(case: Case, mediators: Sequence[User]) -> list[str]:
    """SPEC §15: only a registered mediator within their term is assigned (the date is the
    service's clock: an imported case is checked at the register's date)."""
    return assignment_problems(case.organization, mediators, deadlines.today())


def guard_decline(case: Case, *, reason: str) -> list[str]:
    return [] if reason.strip() else ["不予受理的理由"]


def guard_start_mediation(case: Case) -> list[str]:
    missing = []
    if not case.investigationrecords.exists():
        missing.append("至少一份调查记录")
    return missing + _critical_unreported(case)


def guard_record_agreement(
    case: Case,
    *,
    kind: str,
    terms: Sequence[object],
    performance_deadline: dt.date | None,
    signatures: Sequence[bool],
    unsigned: Sequence[str] = (),
) -> list[str]:
    """`unsigned`: the parties who have not signed the draft the agreement is made from."""
    missing = []
    if not case.mediationsessions.exists():
        missing.append("至少一份调解记录")
    if not [t for t in terms if str(t).strip()]:
        missing.append("至少一条协议条款")
    if not performance_deadline:
        missing.append("履行期限")
    if kind == AgreementKind.WRITTEN and unsigned:
        missing.append("尚未签署：" + "、".join(unsigned))
    elif kind == AgreementKind.WRITTEN and not all(signatures):
        missing.append("书面协议须当事人签名、调解员签名并加盖调委会印章")
    return missing + _critical_unreported(case)


def guard_reason(case: Case, *, reason: str) -> list[str]:
    return [] if reason.strip() else ["理由"]


def guard_withdraw(case: Case, *, party: str, reason: str) -> list[str]:
    missing = []
    if not party.strip():
        missing.append("撤回的当事人")
    if not reason.strip():
        missing.append("撤回理由")
    return missing


def guard_extend(case: Case, *, days: int, consent: bool, max_days: int) -> list[str]:
    missing = []
    if not (1 <= days <= max_days):
        missing.append(f"延长天数须在1至{max_days}天之间")
    if not consent:
        missing.append("双方当事人同意延长的记录")
    return missing


def guard_approve_closure(case: Case) -> list[str]:
    missing = []
    if not case.outcome:
        missing.append("调解结果")
    if case.outcome in AGREEMENT_OUTCOMES and not case.current_agreement:
        missing.append("调解协议")
    if case.outcome in (Outcome.FAILED, Outcome.WITHDRAWN, Outcome.DECLINED) and not (
        case.closing_reason.strip()
    ):
        missing.append("终止或不予受理的理由")
    return missing + _critical_unreported(case)


def guard_reopen(case: Case, *, reason: str) -> list[str]:
    missing = [] if reason.strip() else ["重新调解的理由"]
    last = case.followupvisits.filter(superseded_by__isnull=True).order_by("-visited_at").first()
    if not last or last.performance == Performance.PERFORMED:
        missing.append("回访记录显示协议未履行或部分履行")
    return missing


def guard_archive(case: Case, *, documents: bool = True) -> list[str]:
    """`documents=False` only for a past case entered from a register, which has no documents
    in the system (workflows.services.Imported)."""
    missing = []
    visits = case.followupvisits.filter(superseded_by__isnull=True)
    if not visits.exists():
        missing.append("至少一次回访记录")
    elif not visits.exclude(performance="").exists():
        missing.append("协议履行情况")
    if documents:
        missing += [f"缺少文书：{item}" for item in completeness(case).missing_labels]
    return missing


SPECS: dict[str, Spec] = {
    s.name: s
    for s in [
        Spec("accept", "受理", frozenset({CLERK, DIRECTOR}), guard_accept),
        Spec("decline", "不予受理", frozenset({CLERK, DIRECTOR}), guard_decline),
        Spec("start_mediation", "开始调解", frozenset({ASSIGNED}), guard_start_mediation),
        Spec("record_agreement", "达成协议", frozenset({ASSIGNED}), guard_record_agreement),
        Spec("record_failure", "调解不成", frozenset({ASSIGNED}), guard_reason),
        Spec("withdraw", "撤回调解", frozenset({CLERK, DIRECTOR, ASSIGNED}), guard_withdraw),
        Spec("extend_deadline", "延长期限", frozenset({ASSIGNED}), guard_extend),
        Spec("approve_closure", "结案审批", frozenset({DIRECTOR}), guard_approve_closure),
        Spec("reopen", "重新调解", frozenset({DIRECTOR}), guard_reopen),
        Spec("archive", "归档", frozenset({CLERK, DIRECTOR}), guard_archive),
    ]
}
