from typing import Any

from django.core.management.base import BaseCommand

from workflows.sweep import sla_sweep


class Command(BaseCommand):
    help = "Record overdue cases once per deadline (event + risk) and send due-soon reminders."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(sla_sweep().summary())
