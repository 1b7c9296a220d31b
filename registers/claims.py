"""The finance office's workbook of a 以案定补 claim (SPEC §15): a sheet per mediator total and a
sheet of per-case lines, each ending in the claim's total — the two add up to the cent, since
every line's mediator amounts are its amount split to the cent (county.subsidy.split). Party
names are masked as on the 公示 list; every row goes through core.spreadsheet.xlsx_row."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook

from core.spreadsheet import xlsx_row
from county import subsidy
from county.models import Claim
from workflows.services.subsidies import flag_labels, mediator_totals


def claim_xlsx(claim: Claim) -> bytes:
    book = Workbook(write_only=True)
    people = book.create_sheet("按调解员汇总")
    people.append(xlsx_row(people, [f"{claim.organization.name} {claim.period} 以案定补"]))
    people.append(xlsx_row(people, ["调解员", "金额（元）"]))
    for user, amount in mediator_totals(claim):
        people.append(xlsx_row(people, [user.get_full_name() or user.username, amount]))
    people.append(xlsx_row(people, ["合计", claim.total]))
    lines = book.create_sheet("按案件明细")
    lines.append(
        xlsx_row(
            lines,
            [
                "案号",
                "当事人",
                "计补依据",
                "核定类别",
                "调整理由",
                "核减",
                "金额（元）",
                "调解员及金额",
                "提示",
            ],
        )
    )
    total = Decimal("0")
    query = claim.lines.select_related("case", "duplicate_of").prefetch_related(
        "case__parties", "shares__mediator"
    )
    for line in query:
        total += line.amount
        lines.append(
            xlsx_row(
                lines,
                [
                    line.case.number,
                    "、".join(subsidy.mask_name(p.name) for p in line.case.parties.all()),
                    line.get_basis_display(),
                    line.get_difficulty_display(),
                    line.difficulty_reason,
                    line.struck_reason if line.struck else "",
                    line.amount,
                    "；".join(
                        f"{s.mediator.get_full_name()} {s.amount}" for s in line.shares.all()
                    ),
                    "；".join(flag_labels(line)),
                ],
            )
        )
    lines.append(xlsx_row(lines, ["合计", "", "", "", "", "", total]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
