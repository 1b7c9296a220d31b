"""The SLA sweep (SPEC §6, §16): record newly overdue cases once per deadline (event, risk,
notifications) and send due-soon reminders once per deadline. Run hourly by Celery beat
(workflows.tasks.sla_sweep, scheduled in config/celery.py) or by `manage.py sla_sweep`; running
it twice changes nothing the second time, so an extra or a late run is harmless."""

from __future__ import annotations

from typing import NamedTuple

from cases.models import Case
from workflows import deadlines, notify
from workflows.models import Notification
from workflows.services import case_mark_overdue


class SweepResult(NamedTuple):
    overdue: int
    reminded: int

    def summary(self) -> str:
        return f"sla_sweep: {self.overdue} newly overdue, {self.reminded} due-soon reminders"


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
    return SweepResult(overdue=overdue, reminded=reminded)
