"""Report (and with --repair fix) cases whose viewflow process disagrees with the case.

The case's FSM is the truth; the flow only says who works next. A mismatch can only come
from outside the service layer (a process cancelled or a task undone in viewflow's admin, a
database restore): --repair cancels the stray tasks and opens the task the case's stage needs.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.models import Case
from workflows import flows


class Command(BaseCommand):
    help = "检查案件与调解流程（viewflow）是否一致；--repair 按案件状态修复流程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="按案件当前阶段修复流程任务")

    def handle(self, *args: Any, repair: bool = False, **options: Any) -> None:
        problems = flows.check()
        for pk, problem in problems:
            number = Case.objects.filter(pk=pk).values_list("number", flat=True).first()
            self.stdout.write(f"{number}: {problem}")
            if repair:
                with transaction.atomic():
                    flows.repair(Case.objects.select_for_update().get(pk=pk))
        if repair and problems:
            left = flows.check(Case.objects.filter(pk__in=[pk for pk, _ in problems]))
            self.stdout.write(f"已修复 {len(problems) - len(left)} 件，仍不一致 {len(left)} 件。")
            if left:
                raise SystemExit(1)
        elif problems:
            self.stdout.write(f"不一致 {len(problems)} 件（使用 --repair 修复）。")
            raise SystemExit(1)
        else:
            self.stdout.write("流程与案件一致。")
