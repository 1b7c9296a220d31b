from typing import Any

from django.core.management.base import BaseCommand

from cases.models import Case
from workflows import deadlines, notify
from workflows.models import Notification
from workflows.services import case_mark_overdue


class Command(BaseCommand):
    help = "Record overdue cases once per deadline (event + risk) and send due-soon reminders."

    def handle(self, *args: Any, **options: Any) -> None:
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
        self.stdout.write(f"sla_sweep: {overdue} newly overdue, {reminded} due-soon reminders")
