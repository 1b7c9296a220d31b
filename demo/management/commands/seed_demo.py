from django.core.management.base import BaseCommand

from demo import seed as demo
from demo.portal import seed_portal
from demo.screening import seed_screening


class Command(BaseCommand):
    help = "Create the demo regions, committees, users (SPEC §10) and, with --cases N, N cases."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=0, help="demo cases to have in all")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, cases: int, seed: int, **options):
        if cases < 0:
            self.stderr.write("--cases must be ≥ 0")
            raise SystemExit(2)
        counts = demo.seed_reference()
        added = demo.seed_cases(cases, seed) if cases else 0
        seed_screening()  # 排查 (SPEC §13): demo leads and a running sweep, once
        seed_portal()  # 当事人端 (SPEC §14): an online application, a draft, ratings, once
        self.stdout.write(
            f"seed_demo: {counts['users']} users, {counts['regions']} regions, {added} cases added"
        )
