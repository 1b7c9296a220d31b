"""The SLA sweep (SPEC §6, §16): record newly overdue cases once per deadline (event, risk,
notifications) and send due-soon reminders once per deadline. Run hourly by Celery beat
(workflows.tasks.sla_sweep, scheduled in config/celery.py) or by `manage.py sla_sweep`; running
it twice changes nothing the second time, so an extra or a late run is harmless."""

from __future__ import annotations

from typing import NamedTuple

from cases.models import Agreement, Case
from screening.models import Lead
from workflows import deadlines, notify
from workflows.models import Notification
from workflows.services import case_mark_overdue, lead_mark_overdue, sweep_remind
from workflows.services.mediators import mediator_alerts_send
from workflows.services.sweeps import running_sweeps


class SweepResult(NamedTuple):
    overdue: int
    reminded: int
    register_alerts: int = 0
    leads_overdue: int = 0
    sweep_reminders: int = 0

    def summary(self) -> str:
        return (
            f"sla_sweep: {self.overdue} newly overdue, {self.reminded} due-soon reminders, "
            f"{self.register_alerts} mediator register alerts, "
            f"{self.leads_overdue} newly overdue leads, {self.sweep_reminders} sweep reminders"
        )


def judicial_reminders() -> int:
    """SPEC §13: once per agreement, from day 25 of the 司法确认 window while no application is
    recorded (counted with the due-soon reminders)."""
    sent = 0
    agreements = Agreement.objects.filter(deadlines.judicial_warning_q()).select_related("case")
    for agreement in agreements.iterator(chunk_size=500):
        end = deadlines.judicial_window_end(agreement)
        already = Notification.objects.filter(
            case=agreement.case_id,
            kind=Notification.Kind.DUE_SOON,
            message__contains=f"{agreement.number}的司法确认申请期限将于{end}",
        ).exists()
        if not already:
            notify.judicial_due_soon(agreement, end)
            sent += 1
    return sent


def sla_sweep() -> SweepResult:
    overdue = sum(
        case_mark_overdue(case)
        for case in Case.objects.filter(deadlines.overdue_q()).iterator(chunk_size=500)
    )
    reminded = 0
    for case in Case.objects.filter(deadlines.due_soon_q()).iterator(chunk_size=500):
        already = Notification.objects.filter(
            case=case, kind=Notification.Kind.DUE_SOON, message__contains=str(case.deadline)
        ).exists()
        if not already:
            notify.due_soon(case)
            reminded += 1
    reminded += judicial_reminders()
    alerts = mediator_alerts_send(deadlines.today())  # SPEC §15: term and training alerts
    # SPEC §13: leads past their triage or check date; units yet to report 2 days before a
    # sweep ends.
    leads_overdue = sum(
        lead_mark_overdue(lead)
        for lead in Lead.objects.filter(deadlines.lead_overdue_q()).iterator(chunk_size=500)
    )
    sweep_reminders = sum(sweep_remind(sweep) for sweep in running_sweeps())
    return SweepResult(
        overdue=overdue,
        reminded=reminded,
        register_alerts=alerts,
        leads_overdue=leads_overdue,
        sweep_reminders=sweep_reminders,
    )
