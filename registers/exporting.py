"""Export of the cases a user sees as .xlsx (issue 6): the case list's filters, the scope rule,
and the same masking as the API and the pages — a supervisor gets ID and phone numbers with only
their last 4 characters (cases.scope.sees_personal_data, cases.validators.mask).

The workbook is written row by row (openpyxl write-only mode) from a chunked query, so 100,000
cases take a few MB of memory, not the whole table's. Every row goes through
core.spreadsheet.xlsx_row: a party named "=HYPERLINK(…)" stays text (SPEC §11)."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cases import party_view, scope
from cases.choices import IdType, PartyRole
from cases.models import Case, Party, display_name
from core.spreadsheet import xlsx_row

SHEET = "案件"
CHUNK = 2000
HEADERS = [
    "案号",
    "调委会",
    "纠纷发生地",
    "纠纷类型",
    "案件来源",
    "状态",
    "调解结果",
    "风险等级",
    "登记时间",
    "受理时间",
    "结果时间",
    "结案时间",
    "归档时间",
    "阶段期限",
    "是否超期",
    "涉及金额（元）",
    "纠纷简要情况",
    "当事人请求",
    "申请人",
    "申请人电话",
    "申请人证件号码",
    "被申请人",
    "被申请人电话",
    "被申请人证件号码",
    "第三人",
    "调解员",
]


def _local(moment: dt.datetime | None):
    # Excel has no time zones: the local (Asia/Shanghai) wall time, as the pages show it.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _document(party: Party, shown: dict) -> str:
    """The number as shown, with its type unless it is a resident ID (the usual one)."""
    if party.id_type == IdType.RESIDENT_ID:
        return shown["id_number"]
    return f"{party.get_id_type_display()} {shown['id_number']}"


def _people(parties: list[Party], role: str, user, full: bool) -> tuple[str, str, str]:
    people = [(p, party_view.view(user, p, full=full)) for p in parties if p.role == role]
    return (
        "、".join(p.name for p, _v in people),
        "、".join(v["phone"] for p, v in people if p.phone),
        "、".join(_document(p, v) for p, v in people if p.id_number),
    )


def case_row(case: Case, user) -> list:
    full = scope.sees_personal_data(user, case)
    parties = list(case.parties.all())  # prefetched, in role order
    return [
        case.number,
        case.organization.name,
        case.region.full_name,
        case.dispute_type.name,
        case.get_source_display(),
        case.get_status_display(),
        case.get_outcome_display() if case.outcome else "",
        case.get_risk_level_display(),
        _local(case.registered_at),
        _local(case.accepted_at),
        _local(case.outcome_at),
        _local(case.closed_at),
        _local(case.archived_at),
        case.deadline,
        "是" if getattr(case, "is_overdue", False) else "否",
        case.amount_involved,
        case.summary,
        case.requests,
        *_people(parties, PartyRole.APPLICANT, user, full),
        *_people(parties, PartyRole.RESPONDENT, user, full),
        "、".join(p.name for p in parties if p.role == PartyRole.THIRD_PARTY),
        "、".join(display_name(u) for u in case.mediators.all()),
    ]


def write_cases(cases: QuerySet[Case], user, out: IO[bytes]) -> int:
    """Write `cases` (already scoped and filtered by the caller) to `out`; return the count."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(xlsx_row(sheet, HEADERS))
    count = 0
    rows = cases.prefetch_related(
        Prefetch("parties", queryset=Party.objects.order_by("role", "id")), "mediators"
    ).iterator(chunk_size=CHUNK)
    for case in rows:
        sheet.append(xlsx_row(sheet, case_row(case, user)))
        count += 1
    book.save(out)
    return count
