"""The roll-up of the SPEC §7 figures (rollups/, SPEC §16), recomputed from the cases, and the
roll-up of the 排查 table (screening/rollup.py) from the leads — both, every time.

python manage.py stats_rebuild            # replace the roll-up by what the cases say
python manage.py stats_rebuild --verify   # compare only; exit 1 naming the first differences
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rollups import rollup
from screening import rollup as lead_rollup


class Command(BaseCommand):
    help = "Rebuild the statistics roll-up from the cases, or --verify it against them."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="compare, change nothing")

    def handle(self, *args, verify: bool = False, **options):
        if verify:
            with transaction.atomic():  # one snapshot of cases and roll-up (PostgreSQL)
                found = rollup.differences(rollup.computed(), rollup.stored())
                found += lead_rollup.differences(lead_rollup.computed(), lead_rollup.stored())
            if found:
                for line in found:
                    self.stderr.write(line)
                raise CommandError(f"roll-up differs from the cases ({len(found)} shown)")
            self.stdout.write("roll-up matches the cases")
            return
        with transaction.atomic():
            rows = rollup.rebuild()
            lead_rows = lead_rollup.rebuild()
        self.stdout.write(f"roll-up rebuilt: {rows} rows")
        self.stdout.write(f"lead roll-up rebuilt: {lead_rows} rows")
