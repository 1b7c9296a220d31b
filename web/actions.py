"""The case page's actions: for each, its label, its form and the ONE service call it makes.
Who may take an action is not decided here: `available` asks the service layer
(allowed_transitions / allowed_actions), and the service enforces it again when called."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from web import forms
from workflows import selectors, services
from workflows.services import judicial


@dataclass(frozen=True)
class Action:
    name: str
    label: StrOrPromise
    form: type
    run: Callable  # (case, actor, ip, cleaned_data) -> object
    primary: bool = False
    shown: Callable = lambda case: True  # offered only when it can apply (the guard still rules)


def _transition(name):
    def run(case, actor, ip, data):
        return services.case_transition(case, name, actor=actor, ip=ip, **data)

    return run


def _record(kind):
    def run(case, actor, ip, data):
        return services.record_add(case, kind, actor=actor, ip=ip, **data)

    return run


def _accept(case, actor, ip, data):
    return services.case_transition(
        case, "accept", actor=actor, ip=ip, mediators=list(data["mediators"])
    )


# The record forms a mediator may fill without signal (web/static/tiaojie/offline.js).
OFFLINE = frozenset({"investigation_add", "session_add", "follow_up_add"})

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("accept", _("受理并指派调解员"), forms.MediatorsForm, _accept, primary=True),
        Action("decline", _("不予受理"), forms.ReasonForm, _transition("decline")),
        Action(
            "investigation_add",
            _("添加调查记录"),
            forms.InvestigationForm,
            _record("investigation"),
        ),
        Action(
            "start_mediation",
            _("开始调解"),
            forms.ConfirmForm,
            _transition("start_mediation"),
            primary=True,
        ),
        Action("session_add", _("添加调解记录"), forms.SessionForm, _record("session")),
        Action(
            "session_schedule",
            _("安排调解时间地点"),
            forms.ScheduleForm,
            lambda case, actor, ip, d: services.case_schedule_session(
                case, actor=actor, ip=ip, **d
            ),
        ),
        Action(
            "record_agreement",
            _("登记调解协议"),
            forms.AgreementForm,
            _transition("record_agreement"),
            primary=True,
        ),
        Action(
            "record_failure",
            _("调解不成（终止调解）"),
            forms.ReasonForm,
            _transition("record_failure"),
        ),
        Action("withdraw", _("撤回调解申请"), forms.WithdrawForm, _transition("withdraw")),
        Action(
            "extend_deadline", _("延长调解期限"), forms.ExtendForm, _transition("extend_deadline")
        ),
        Action(
            "approve_closure",
            _("批准结案"),
            forms.ApproveClosureForm,
            _transition("approve_closure"),
            primary=True,
        ),
        Action(
            "follow_up_add",
            _("添加回访记录"),
            forms.FollowUpForm,
            _record("follow_up"),
            primary=True,
        ),
        Action(
            "reopen",
            _("重新调解（协议未履行或司法确认被驳回）"),
            forms.ReasonForm,
            _transition("reopen"),
        ),
        Action("archive", _("归档"), forms.ConfirmForm, _transition("archive"), primary=True),
        Action(
            "judicial_confirmation",
            _("登记司法确认"),
            forms.JudicialConfirmationForm,
            lambda case, actor, ip, d: services.judicial_confirmation_add(
                case, actor=actor, ip=ip, **d
            ),
        ),
        Action(
            "judicial_apply",
            _("申请司法确认"),
            forms.ConfirmForm,
            lambda case, actor, ip, d: services.judicial_confirmation_apply(
                case, actor=actor, ip=ip
            ),
            shown=lambda case: judicial.may_apply(case),
        ),
        Action(
            "judicial_result",
            _("登记法院审查结果"),
            forms.JudicialResultForm,
            lambda case, actor, ip, d: judicial.judicial_result_record(
                case, actor=actor, ip=ip, **d
            ),
            shown=lambda case: judicial.pending_application(case) is not None,
        ),
        Action(
            "party_add",
            _("添加当事人"),
            forms.PartyAddForm,
            lambda case, actor, ip, d: services.party_add(
                case, actor=actor, ip=ip, **{k: v for k, v in d.items() if v not in ("", None)}
            ),
        ),
        Action(
            "reassign",
            _("更换调解员"),
            forms.ReassignForm,
            lambda case, actor, ip, d: services.case_reassign(
                case, actor=actor, ip=ip, mediators=list(d["mediators"]), reason=d["reason"]
            ),
        ),
        Action(
            "escalate",
            _("上报上级调委会"),
            forms.EscalateForm,
            lambda case, actor, ip, d: services.case_escalate(case, actor=actor, ip=ip, **d),
        ),
        Action(
            "supervise",
            _("督办"),
            forms.SuperviseForm,
            lambda case, actor, ip, d: services.case_supervise(case, actor=actor, ip=ip, **d),
            primary=True,
        ),
        Action(
            "reassess_risk",
            _("风险评估"),
            forms.RiskForm,
            lambda case, actor, ip, d: services.case_reassess_risk(
                case, actor=actor, ip=ip, factors=list(d["factors"]), reason=d["reason"]
            ),
        ),
        Action(
            "report_risk",
            _("报告重大风险（公安/综治中心）"),
            forms.ReportRiskForm,
            lambda case, actor, ip, d: services.case_report_risk(case, actor=actor, ip=ip, **d),
            primary=True,
            shown=lambda case: case.risk_level == "critical" and case.risk_reported_at is None,
        ),
    ]
}


def available(case, user) -> list[Action]:
    """The actions this user may take on the case now, in the order of the table above."""
    allowed = set(selectors.allowed_transitions(case, user)) | set(
        selectors.allowed_actions(case, user)
    )
    return [a for name, a in ACTIONS.items() if name in allowed and a.shown(case)]
