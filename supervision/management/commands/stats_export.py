"""SPEC §8 "statistics export": the statistics table of a region and period as .xlsx or PDF,
the same file the statistics page offers.

    python manage.py stats_export --region 青山县 --from 2026-01-01 --to 2026-06-30 \\
        --format xlsx --output var/statistics.xlsx [--user supervisor]

Without --user the command counts every case (the operator's full scope, as the Django admin
does); with --user it counts what that user may see, and refuses a role without statistics.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.models import Region
from core.errors import DomainError
from supervision import access, exports, stats


class Command(BaseCommand):
    help = "Export the statistics table (dispute type × outcome) as .xlsx or PDF."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region id, full name or name")
        parser.add_argument("--from", dest="date_from", default="", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", default="", help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
        parser.add_argument("--output", help="file to write (default: a name in the current dir)")
        parser.add_argument("--user", help="count only what this user may see")

    def handle(self, *args, **options):
        user = access.OPERATOR
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"没有用户“{options['user']}”。")
        regions = list(Region.objects.filter(access.region_lookup(options["region"]))[:2])
        if len(regions) != 1:
            raise CommandError(
                f"区域“{options['region']}”"
                + ("不存在。" if not regions else "不唯一，请使用区域编号或全称。")
            )
        params = {
            "region": str(regions[0].pk),
            "from": options["date_from"],
            "to": options["date_to"],
        }
        try:
            sel = access.selection(user, params)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        table = stats.statistics_table(sel)
        if options["format"] == "pdf":
            content = exports.statistics_pdf(sel, table, user=user)
        else:
            content = exports.statistics_xlsx(sel, table)
        path = Path(options["output"] or exports.filename(sel, options["format"]))
        path.write_bytes(content)
        totals = table["totals"]
        self.stdout.write(
            f"{path}: {sel.region.full_name} {sel.date_from}…{sel.date_to}, "
            f"受理 {totals['received']} 件，结案 {totals['closed']} 件"
        )
