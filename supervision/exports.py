"""The statistics table as cells (one list the page, the .xlsx and the PDF all print, so the
three show the same numbers), its .xlsx and PDF files, and the audit log as CSV. Every row of
the .xlsx and the CSV goes through core.spreadsheet (xlsx_row, csv_stream): a dispute type, region,
reason or name beginning with = + - @ is written as text, never as a formula (SPEC §11)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import Outcome
from cases.models import display_name
from core.spreadsheet import csv_stream, xlsx_row
from supervision.stats import Selection

PCT, INT, MONEY, DAYS, TEXT = "pct", "int", "money", "days", "text"


def table_columns() -> list[tuple[str, str, str]]:
    """(key, label, kind) of the statistics table: dispute type × outcome plus the figures."""
    return [
        ("name", _("纠纷类型"), TEXT),
        ("received", _("受理"), INT),
        *[(f"outcome:{value}", str(label), INT) for value, label in Outcome.choices],
        ("success_rate", _("调解成功率"), PCT),
        ("performance_rate", _("协议履行率"), PCT),
        ("judicial_confirmations", _("司法确认"), INT),
        ("amount_involved", _("涉及金额（元）"), MONEY),
        ("escalations_prevented", _("化解高风险"), INT),
    ]


def summary_items(figures: dict) -> list[tuple[str, object, str]]:
    """(label, value, kind) of the headline figures, in the order the pages show them."""
    return [
        (_("受理"), figures["received"], INT),
        (_("受理后进入调解"), figures["accepted"], INT),
        (_("不予受理"), figures["declined"], INT),
        (_("已结案"), figures["closed"], INT),
        (_("调解成功率"), figures["success_rate"], PCT),
        (_("协议履行率"), figures["performance_rate"], PCT),
        (_("按期办结率"), figures["timeliness_rate"], PCT),
        (_("平均办结天数"), figures["avg_days_to_close"], DAYS),
        (_("办结天数（90%分位）"), figures["p90_days_to_close"], DAYS),
        (_("超期未结"), figures["overdue_open"], INT),
        (_("高/重大风险在办"), figures["high_risk_open"], INT),
        (_("回访满意率"), figures["satisfaction_rate"], PCT),
        (_("当事人评价满意率"), figures["party_satisfaction_rate"], PCT),
        (_("司法确认"), figures["judicial_confirmations"], INT),
        (_("涉及金额（元）"), figures["amount_involved"], MONEY),
        (_("化解高风险"), figures["escalations_prevented"], INT),
    ]


def value(row: dict, key: str):
    if key.startswith("outcome:"):
        return row["closed_by_outcome"][key.split(":", 1)[1]]
    return row[key]


def text(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == PCT:
        return f"{value * 100:.1f}%"
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    if kind == DAYS:
        return f"{value:.1f}"
    return str(value)


def table_cells(table: dict) -> dict:
    """Header, rows and totals as printed text (the page and the PDF print these)."""
    columns = table_columns()
    totals = dict(table["totals"], name=_("合计"))
    return {
        "header": [label for _key, label, _kind in columns],
        "rows": [[text(value(r, k), kind) for k, _l, kind in columns] for r in table["rows"]],
        "totals": [text(value(totals, k), kind) for k, _l, kind in columns],
        "summary": [(label, text(v, kind)) for label, v, kind in summary_items(table["totals"])],
    }


def describe(sel: Selection) -> dict:
    return {
        "region": sel.region.full_name,
        "from": sel.date_from.isoformat(),
        "to": sel.date_to.isoformat(),
    }


def filename(sel: Selection, ext: str) -> str:
    return f"statistics-{sel.region.pk}-{sel.date_from:%Y%m%d}-{sel.date_to:%Y%m%d}.{ext}"


# --- .xlsx ---------------------------------------------------------------------------------
_FORMATS = {PCT: "0.0%", MONEY: "#,##0.00", DAYS: "0.0", INT: "0"}


def _cell_value(value, kind: str):
    if value is None:
        return None
    if kind == MONEY:
        return float(value)
    return value


def statistics_xlsx(sel: Selection, table: dict) -> bytes:
    """Numbers stay numbers (rates as fractions with a percentage format)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("统计表")
    meta = describe(sel)
    sheet.append(xlsx_row(sheet, [_("人民调解纠纷统计表")]))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        xlsx_row(
            sheet,
            [
                _("区域"),
                meta["region"],
                _("统计期间（登记日期）"),
                f"{meta['from']} — {meta['to']}",
            ],
        )
    )
    sheet.append([])
    columns = table_columns()
    sheet.append(xlsx_row(sheet, [label for _k, label, _kind in columns]))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    totals = dict(table["totals"], name=_("合计"))
    for row in [*table["rows"], totals]:
        sheet.append(xlsx_row(sheet, [_cell_value(value(row, k), kind) for k, _l, kind in columns]))
        for cell, (_k, _l, kind) in zip(sheet[sheet.max_row], columns, strict=True):
            if kind in _FORMATS:
                cell.number_format = _FORMATS[kind]
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16

    overview = book.create_sheet(_("概况"))
    overview.append(xlsx_row(overview, [_("指标"), _("数值")]))
    for label, v, kind in summary_items(table["totals"]):
        overview.append(xlsx_row(overview, [label, _cell_value(v, kind)]))
        if kind in _FORMATS:
            overview.cell(overview.max_row, 2).number_format = _FORMATS[kind]
    overview.column_dimensions["A"].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF (through the documents renderer) -------------------------------------------------
def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def statistics_pdf(sel: Selection, table: dict, *, user=None) -> bytes:
    """Rendered by documents.renderer, the one WeasyPrint importer; the report's data is
    embedded in the PDF as JSON like every document's."""
    from documents import renderer

    now = timezone.localtime()
    cells = table_cells(table)
    context: dict[str, Any] = {
        "document": {"title": "人民调解纠纷统计表", "issued_at": now.isoformat()},
        "statistics": describe(sel) | cells,
        "generated_by": display_name(user) if getattr(user, "pk", None) else "",
    }
    html = render_to_string(
        "documents/statistics.html",
        {
            "meta": {
                "title": context["document"]["title"],
                "author": context["generated_by"] or "Tiaojie",
                "issued_at": now.isoformat(),
            },
            "title": context["document"]["title"],
            "generated_on": f"{cn_date(now.date())} {now:%H:%M}",
            "generated_by": context["generated_by"],
            "period": f"{cn_date(sel.date_from)}至{cn_date(sel.date_to)}",
            **context["statistics"],
            "summary_grid": [
                cells["summary"][i : i + 3] for i in range(0, len(cells["summary"]), 3)
            ],
        },
    )
    return renderer.render_html(html, context).pdf


# --- audit log ----------------------------------------------------------------------------
def audit_header() -> list[str]:
    return [
        _("时间"),
        _("案号"),
        _("类别"),
        _("事项"),
        _("操作人"),
        _("原状态"),
        _("新状态"),
        _("理由"),
        _("变更内容"),
        "IP",
    ]


def audit_csv(rows: Iterable[list]) -> Iterator[str]:
    """CSV lines for a streaming response (core.spreadsheet.csv_stream)."""
    return csv_stream(audit_header(), rows)


def audit_row(event, labels: dict) -> list:
    return [
        timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        event.case.number,
        event.get_kind_display(),
        labels.get(event.name, event.name),
        display_name(event.actor) or _("系统"),
        event.from_status,
        event.to_status,
        event.reason,
        json.dumps(event.data, ensure_ascii=False, sort_keys=True),
        event.ip or "",
    ]
