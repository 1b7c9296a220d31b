"""The 排查 report (矛盾纠纷排查调处情况统计表, SPEC §13), computed in the database with the
machinery of supervision.stats (its `Selection`, `rate` and `child_of`; one grouped pass over
the leads, grouped by region path, dispute type and sweep). One implementation with several outputs: the page, its
.xlsx and PDF and GET /api/v1/stats/screening/ all read `screening_table`.

The cohort is the leads the user may see (`Lead.objects.visible_to`, screening/scope.py) whose
region lies in the selected region's subtree and whose 发现日期 (`found_on`) lies in the period,
both ends included; the year to date is the same from 1 January of the period's last year.

Counts are conditional aggregates (COUNT … FILTER (WHERE …), screening.rollup.count_aggregates)
grouped by the lead's region path and by dispute type; the group rows (one per region that has
leads, not one per lead) are added up per child region here, and rates are taken from the sums.

The same groups are read from the exact roll-up of the leads (screening.models.LeadRollup, kept
in the transaction of every lead and case change, SPEC §16) when the period is whole months and
the user sees the region's whole subtree (`supervision.stats.rollup_allowed`: an admin, or a
supervisor of the region or one above it); anyone else — a committee, a grid worker — gets the
live query over the leads they may see. Both give the same table
(tests/screening/test_lead_rollup.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from cases.models import DisputeType, Region
from core.errors import InvalidInput
from screening.models import Lead, LeadRollup, SweepReport
from screening.rollup import (  # noqa: F401  (the rules, re-exported)
    GROUP_FIGHT,
    GROUP_MAJOR,
    PETITION,
    SUCCESS,
    VIOLENCE,
    count_aggregates,
)
from supervision import access
from supervision.stats import LOCAL_ROOT, TZ, Selection, child_of, rate, rollup_allowed
from workflows import deadlines

# (key, label, kind, what it counts): the columns of the table, in order (SPEC §13, §17 names).
INT, PCT = "int", "pct"
COLUMNS: list[tuple[str, str, str, str]] = [
    (
        "sweeps_reported",
        "排查次数",
        INT,
        "各单位对排查活动的报送次数（含零报告）：每个单位每次排查活动计一次，"
        "以报告时间或所报线索的发现日期落在期间内为准",
    ),
    ("leads", "排查出矛盾纠纷", INT, "期间内发现（按发现日期）的排查线索条数"),
    ("leads_major", "其中重大/群体性", INT, "其中涉及5人以上的线索"),
    ("handled", "调处数", INT, "已转为案件或已就地化解的线索"),
    ("handled_success", "调处成功", INT, "已就地化解的线索，加上所转案件以达成协议结案的线索"),
    ("handled_rate", "调处率", PCT, "调处数 ÷ 排查出矛盾纠纷"),
    ("success_rate", "成功率", PCT, "调处成功 ÷ 调处数"),
    ("referred", "移交", INT, "已移交派出所、信访、法院等部门的线索"),
    (
        "prevented_criminal",
        "防止民转刑",
        INT,
        "有暴力威胁（线索或所转案件记录）且已就地化解或达成协议的线索",
    ),
    (
        "prevented_group_petition",
        "防止群体性上访",
        INT,
        "涉及5人以上、有信访史，且已就地化解或达成协议的线索",
    ),
    (
        "prevented_group_fight",
        "防止群体性械斗",
        INT,
        "涉及10人以上、有暴力威胁，且已就地化解或达成协议的线索",
    ),
]
COUNT_KEYS = [key for key, _l, kind, _e in COLUMNS if kind == INT]
LEAD_KEYS = [k for k in COUNT_KEYS if k != "sweeps_reported"]


# --- the period --------------------------------------------------------------------------
PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|Q([1-4])|H([12])))?$")


def parse_period(raw: str) -> tuple[dt.date, dt.date]:
    """2026-12 (a month), 2026-Q4, 2026-H2, 2026 → (first day, last day)."""
    m = PERIOD.match(raw.strip())
    if not m:
        raise InvalidInput(
            "统计期间须为“2026-12”（月）、“2026-Q4”（季度）、“2026-H2”（半年）或“2026”（年）。",
            fields={"period": ["格式应为 2026-12、2026-Q4、2026-H2 或 2026"]},
        )
    year = int(m.group(1))
    if not access.EARLIEST.year <= year <= access.LATEST.year:
        raise InvalidInput("年份须在2000年至2099年之间", fields={"period": ["年份须在2000至2099"]})
    month, quarter, half = m.group(2), m.group(3), m.group(4)
    if month:
        first_month = last_month = int(month)
        if not 1 <= first_month <= 12:
            raise InvalidInput("月份须在1至12之间", fields={"period": ["月份须在1至12"]})
    elif quarter:
        first_month = 3 * int(quarter) - 2
        last_month = first_month + 2
    elif half:
        first_month = 1 if half == "1" else 7
        last_month = first_month + 5
    else:
        first_month, last_month = 1, 12
    start = dt.date(year, first_month, 1)
    end = (
        dt.date(year + 1, 1, 1) if last_month == 12 else dt.date(year, last_month + 1, 1)
    ) - dt.timedelta(days=1)
    return start, end


def selection(user, params, *, today: dt.date | None = None, blank_ok: bool = True) -> Selection:
    """(region, period) from `region` and `period`, or `from`/`to`; default: this month. The role
    rule and the region are supervision.access's (403 / 404 / 400 as for §7 statistics)."""
    today = today or deadlines.today()
    access.check_view(user)
    if not blank_ok:  # the API's schema says date / string: a blank value is refused, not defaulted
        blank = [
            k
            for k in ("region", "from", "to", "period")
            if params.get(k) is not None and not str(params.get(k)).strip()
        ]
        if blank:
            raise InvalidInput(
                "查询条件有误：不能为空（省略该参数即使用默认值）",
                fields={k: ["不能为空（省略该参数即使用默认值）"] for k in blank},
            )
    values = {k: params.get(k) for k in ("region", "from", "to") if params.get(k) is not None}
    period = str(params.get("period") or "").strip()
    if period:
        if str(params.get("from") or "").strip() or str(params.get("to") or "").strip():
            raise InvalidInput(
                "请只填写统计期间（period）或起止日期（from/to）之一。",
                fields={"period": ["不能与 from/to 同时使用"]},
            )
        start, end = parse_period(period)
        values |= {"from": start.isoformat(), "to": end.isoformat()}
    elif not str(values.get("from") or "").strip() and not str(values.get("to") or "").strip():
        values |= {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}
    elif not str(values.get("from") or "").strip():
        to = access.parse_date(values.get("to"), "to", today, {}) or today
        values["from"] = to.replace(day=1).isoformat()
    return access.selection(user, values, today=today, blank_ok=blank_ok)


# --- the queries ---------------------------------------------------------------------------
def leads(sel: Selection) -> QuerySet[Lead]:
    return Lead.objects.visible_to(sel.user).filter(
        region_path__startswith=sel.region.path,
        found_on__gte=sel.date_from,
        found_on__lte=sel.date_to,
    )


def reports(sel: Selection) -> QuerySet[SweepReport]:
    start = dt.datetime.combine(sel.date_from, dt.time.min, TZ)
    end = dt.datetime.combine(sel.date_to + dt.timedelta(days=1), dt.time.min, TZ)
    return SweepReport.objects.filter(
        region__in=access.regions_for(sel.user).filter(path__startswith=sel.region.path),
        at__gte=start,
        at__lt=end,
    )


def unreported_q() -> Q:
    """A sweep lead whose unit (its region) filed no report for that sweep."""
    return Q(sweep__isnull=False) & ~Q(
        Exists(SweepReport.objects.filter(sweep=OuterRef("sweep"), region=OuterRef("region")))
    )


def lead_aggregates(*, units: bool = True) -> dict:
    """Counts over leads. `units_by_leads` — the sweeps a region's units reported by leads alone
    (no report filed) — is per region path (a path is one region, so distinct sweeps are
    distinct (sweep, unit) pairs); the totals add the paths up. `_counts` groups by sweep too and
    counts `unreported` leads instead (units=False): the same figure without COUNT(DISTINCT)."""
    aggs: dict = count_aggregates()
    if units:  # a unit whose sweep leads are in but that filed no report has reported
        aggs["units_by_leads"] = Count("sweep_id", distinct=True, filter=unreported_q())
    return aggs


def zero() -> dict:
    return dict.fromkeys([*COUNT_KEYS, "units_by_leads", "reports"], 0)


def _add(into: dict, row: dict) -> None:
    for key, value in row.items():
        if key in into and value:
            into[key] += value


def derive(counts: dict) -> dict:
    c = zero()
    _add(c, counts)
    figures = {k: c[k] for k in LEAD_KEYS}
    figures["sweeps_reported"] = c["reports"] + c["units_by_leads"]
    figures["handled_rate"] = rate(c["handled"], c["leads"])
    figures["success_rate"] = rate(c["handled_success"], c["handled"])
    figures["parts"] = {
        "handled_rate": (c["handled"], c["leads"]),
        "success_rate": (c["handled_success"], c["handled"]),
    }
    return figures


@dataclass
class _Counts:
    totals: dict
    by_path: dict[str, dict]
    by_type: dict[Any, dict]


SOURCES = ("auto", "live", "rollup")


def use_rollup(sel: Selection, source: str = "auto") -> bool:
    """Where the groups come from. `source` "live": the leads; "rollup": the roll-up (the
    selection must allow it); "auto" (the page, its exports and the API): the roll-up when
    `rollup_allowed`, live otherwise."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if source == "live":
        return False
    if source == "rollup" and not rollup_allowed(sel):
        raise ValueError("the roll-up does not answer for this selection")
    return rollup_allowed(sel)


def _live_groups(sel: Selection) -> list[dict]:
    return list(
        leads(sel)
        .order_by()
        .values("region_path", "region_id", "dispute_type_id", "sweep_id")
        .annotate(**lead_aggregates(units=False))
    )


def _rollup_groups(sel: Selection) -> list[dict]:
    """The same groups summed from the roll-up's months (rows left at zero by changes are
    not groups: no lead is in them)."""
    rows = (
        LeadRollup.objects.filter(
            region_path__startswith=sel.region.path,
            month__gte=sel.date_from.replace(day=1),
            month__lte=sel.date_to.replace(day=1),
        )
        .order_by()
        .values("region_path", "region_pk", "dispute_type", "sweep")
        .annotate(**{f"n_{k}": Sum(k) for k in LEAD_KEYS})
    )
    return [
        {
            "region_path": r["region_path"],
            "region_id": r["region_pk"],
            "dispute_type_id": r["dispute_type"] or None,
            "sweep_id": r["sweep"] or None,
        }
        | {k: r[f"n_{k}"] for k in LEAD_KEYS}
        for r in rows
        if r["n_leads"]
    ]


def _counts(sel: Selection, source: str = "auto") -> _Counts:
    """One pass over the cohort (or its roll-up, `use_rollup`), grouped by (region path,
    dispute type, sweep) — a few hundred rows, not one per lead — summed here by path (with the
    totals) and by type (None: 未分类). A region path is one unit and "reported by leads alone"
    depends only on (sweep, unit), so a path's `units_by_leads` is the number of its sweeps whose
    group has unreported leads (the COUNT(DISTINCT sweep) of `lead_aggregates`, without its
    sort)."""
    groups = _rollup_groups(sel) if use_rollup(sel, source) else _live_groups(sel)
    # `unreported_q` per group instead of per lead (a correlated EXISTS for each sweep lead was
    # most of the query at a million leads): a group is one unit (region) of one sweep, so its
    # leads are unreported exactly when that (sweep, unit) has no report.
    sweeps = {row["sweep_id"] for row in groups if row["sweep_id"] is not None}
    filed = set(
        SweepReport.objects.filter(sweep_id__in=sweeps).values_list("sweep_id", "region_id")
    )
    for row in groups:
        sweep = row["sweep_id"]
        row["unreported"] = sweep is not None and (sweep, row["region_id"]) not in filed
    totals = dict.fromkeys(LEAD_KEYS, 0)
    by_path: dict[str, dict] = {}
    by_type: dict[Any, dict] = {}
    units: dict[str, set] = {}
    for row in groups:
        path, dtype = row["region_path"], row["dispute_type_id"]
        counts = {k: row[k] for k in LEAD_KEYS}
        _add(totals, counts)
        _add(by_path.setdefault(path, dict.fromkeys([*LEAD_KEYS, "units_by_leads"], 0)), counts)
        _add(by_type.setdefault(dtype, dict.fromkeys(LEAD_KEYS, 0)), counts)
        if row["unreported"]:
            units.setdefault(path, set()).add(row["sweep_id"])
    for path, sweeps in units.items():
        by_path[path]["units_by_leads"] = len(sweeps)
    totals["units_by_leads"] = sum(len(sweeps) for sweeps in units.values())
    rows = reports(sel).order_by().values("region__path").annotate(n=Count("pk"))
    for r in rows:
        by_path.setdefault(r["region__path"], {})["reports"] = r["n"]
        totals["reports"] = totals.get("reports", 0) + r["n"]
    return _Counts(totals, by_path, by_type)


def _region_rows(sel: Selection, by_path: dict[str, dict]) -> list[dict]:
    """Child regions; a child with regions below it lists them and then its 小计; 合计 last is
    the caller's. A region's own leads (not in a child) are its 本级 row."""
    children = list(Region.objects.filter(parent=sel.region).order_by("path"))
    grand = list(Region.objects.filter(parent__in=children).order_by("path"))
    buckets: dict[str, dict[str, dict]] = {str(c.pk): {} for c in children}
    for path, row in by_path.items():
        key = child_of(path, sel.region.path)
        below_key = "" if key == LOCAL_ROOT else child_of(path, f"{sel.region.path}{key}/")
        _add(buckets.setdefault(key, {}).setdefault(below_key, zero()), row)

    def line(region: Region, kind: str, name: str, counts: dict) -> dict:
        return {"id": region.pk, "name": name, "full_name": region.full_name, "kind": kind} | (
            derive(counts)
        )

    result: list[dict] = []
    for child in children:
        inner = buckets.get(str(child.pk), {})
        below = [g for g in grand if g.parent_id == child.pk]
        total = zero()
        for row in inner.values():
            _add(total, row)
        if below:
            for g in below:
                result.append(line(g, "region", g.name, inner.get(str(g.pk), zero())))
            if LOCAL_ROOT in inner:
                result.append(line(child, "local", f"{child.name}（本级）", inner[LOCAL_ROOT]))
            result.append(line(child, "subtotal", f"{child.name}小计", total))
        else:
            result.append(line(child, "region", child.name, total))
    if LOCAL_ROOT in buckets:
        own = zero()
        for row in buckets[LOCAL_ROOT].values():
            _add(own, row)
        result.append(line(sel.region, "local", f"{sel.region.name}（本级）", own))
    return result


def _type_rows(by_type: dict) -> list[dict]:
    """One row per dispute type code (the current list first, in its order), and 未分类 for
    leads without a type."""
    types = DisputeType.objects.filter(
        Q(taxonomy__is_current=True) | Q(pk__in=[k for k in by_type if k is not None])
    )
    by_code: dict[str, dict] = {}
    for dtype in types.order_by("-taxonomy__is_current", "order", "pk"):
        entry = by_code.setdefault(
            dtype.code, {"code": dtype.code, "name": dtype.name, "c": zero()}
        )
        _add(entry["c"], by_type.get(dtype.pk, {}))
    rows = [{"code": e["code"], "name": e["name"]} | derive(e["c"]) for e in by_code.values()]
    if None in by_type:
        rows.append({"code": "", "name": "未分类"} | derive(by_type[None]))
    return rows


def figures(sel: Selection, source: str = "auto") -> dict:
    """Totals, by child region (with 小计) and by dispute type, for one period."""
    c = _counts(sel, source)
    result = derive(c.totals)
    result["by_child_region"] = _region_rows(sel, c.by_path)
    result["by_dispute_type"] = _type_rows(c.by_type)
    return result


def year_to_date(sel: Selection) -> Selection:
    return replace(sel, date_from=sel.date_to.replace(month=1, day=1))


def screening_table(sel: Selection, source: str = "auto") -> dict:
    """The period's figures and, beside them, the year to date's (1 January → the period's end).
    `source`: see `use_rollup` (the same table either way)."""
    ytd_sel = year_to_date(sel)
    period = figures(sel, source)
    ytd = period if ytd_sel.date_from == sel.date_from else figures(ytd_sel, source)
    return period | {
        "region": sel.region,
        "date_from": sel.date_from,
        "date_to": sel.date_to,
        "year_to_date": ytd | {"date_from": ytd_sel.date_from, "date_to": ytd_sel.date_to},
    }


# --- as cells (the page, the .xlsx and the PDF print these) --------------------------------
def text(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == PCT:
        return f"{value * 100:.1f}%"
    return str(value)


def _pairs(period_rows: list[dict], ytd_rows: list[dict], key: str) -> list[tuple[dict, dict]]:
    ytd = {(r.get("kind"), r[key]): r for r in ytd_rows}
    return [(r, ytd.get((r.get("kind"), r[key])) or (r | derive({}))) for r in period_rows]


def table_rows(table: dict, which: str) -> list[dict]:
    """Rows of one table — "region" (child regions, 小计, 合计) or "type" (dispute types, 合计) —
    each {name, kind, period: figures, ytd: figures}."""
    ytd = table["year_to_date"]
    if which == "region":
        rows = [
            {"name": p["name"], "kind": p["kind"], "period": p, "ytd": y}
            for p, y in _pairs(table["by_child_region"], ytd["by_child_region"], "id")
        ]
    else:
        rows = [
            {"name": p["name"], "kind": "type", "period": p, "ytd": y}
            for p, y in _pairs(table["by_dispute_type"], ytd["by_dispute_type"], "code")
        ]
    rows.append({"name": "合计", "kind": "total", "period": table, "ytd": ytd})
    return rows


def columns() -> list[tuple[str, str, str, str]]:
    return COLUMNS


def cells(table: dict) -> dict:
    """Header, the two tables as printed text (本期 and 本年累计 lines per row), the explanations."""

    def printed(rows: list[dict], *, sweeps: bool) -> list[dict]:
        out = []
        for row in rows:
            lines = []
            for label, figs in (("本期", row["period"]), ("本年累计", row["ytd"])):
                lines.append(
                    [label]
                    + [
                        text(figs[k], kind) if (sweeps or k != "sweeps_reported") else "—"
                        for k, _l, kind, _e in COLUMNS
                    ]
                )
            out.append({"name": row["name"], "kind": row["kind"], "lines": lines})
        return out

    return {
        "header": ["单位", "期间", *[label for _k, label, _kind, _e in COLUMNS]],
        "type_header": ["纠纷类型", "期间", *[label for _k, label, _kind, _e in COLUMNS]],
        "regions": printed(table_rows(table, "region"), sweeps=True),
        "types": printed(table_rows(table, "type"), sweeps=False),
        "explanations": [(label, what) for _k, label, _kind, what in COLUMNS],
    }


def describe(sel: Selection) -> dict:
    ytd = year_to_date(sel)
    return {
        "region": sel.region.full_name,
        "from": sel.date_from.isoformat(),
        "to": sel.date_to.isoformat(),
        "ytd_from": ytd.date_from.isoformat(),
    }


def filename(sel: Selection, ext: str) -> str:
    return f"screening-{sel.region.pk}-{sel.date_from:%Y%m%d}-{sel.date_to:%Y%m%d}.{ext}"


# --- .xlsx and PDF ---------------------------------------------------------------------------
def _xlsx_table(sheet, header: list[str], rows: list[dict], *, sweeps: bool) -> None:
    from openpyxl.styles import Font

    from core.spreadsheet import xlsx_row

    sheet.append(xlsx_row(sheet, header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        for label, figs in (("本期", row["period"]), ("本年累计", row["ytd"])):
            values: list[object] = [row["name"], label]
            for key, _l, _kind, _e in COLUMNS:
                values.append(figs[key] if sweeps or key != "sweeps_reported" else None)
            sheet.append(xlsx_row(sheet, values))
            for cell, (_k, _l, kind, _e) in zip(sheet[sheet.max_row][2:], COLUMNS, strict=True):
                cell.number_format = "0.0%" if kind == PCT else "0"
            if row["kind"] in ("subtotal", "total"):
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)


def screening_xlsx(sel: Selection, table: dict) -> bytes:
    """Numbers stay numbers (rates as fractions with a percentage format); every text cell
    through core.spreadsheet.xlsx_row."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core.spreadsheet import xlsx_row

    meta = describe(sel)
    book = Workbook()
    sheet = book.active
    sheet.title = "按区域"
    sheet.append(xlsx_row(sheet, ["矛盾纠纷排查调处情况统计表"]))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        xlsx_row(
            sheet,
            [
                "区域",
                meta["region"],
                "统计期间（发现日期）",
                f"{meta['from']} — {meta['to']}",
                "本年累计",
                f"{meta['ytd_from']} — {meta['to']}",
            ],
        )
    )
    sheet.append([])
    header = ["单位", "期间", *[label for _k, label, _kind, _e in COLUMNS]]
    _xlsx_table(sheet, header, table_rows(table, "region"), sweeps=True)
    sheet.column_dimensions["A"].width = 18
    types = book.create_sheet("按纠纷类型")
    _xlsx_table(types, ["纠纷类型", *header[1:]], table_rows(table, "type"), sweeps=False)
    types.column_dimensions["A"].width = 18
    notes = book.create_sheet("指标说明")
    notes.append(xlsx_row(notes, ["指标", "统计口径"]))
    for _k, label, _kind, what in COLUMNS:
        notes.append(xlsx_row(notes, [label, what]))
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def screening_pdf(sel: Selection, table: dict, *, user=None) -> bytes:
    """Rendered by documents.renderer (the one WeasyPrint importer), as the §7 statistics PDF;
    the report's data embedded as JSON like every document's."""
    from django.template.loader import render_to_string
    from django.utils import timezone

    from cases.models import display_name
    from documents import renderer
    from supervision.exports import cn_date

    now = timezone.localtime()
    printed = cells(table)
    title = "矛盾纠纷排查调处情况统计表"
    context: dict[str, Any] = {
        "document": {"title": title, "issued_at": now.isoformat()},
        "statistics": describe(sel) | {"header": printed["header"]},
        "generated_by": display_name(user) if getattr(user, "pk", None) else "",
    }
    ytd = year_to_date(sel)
    html = render_to_string(
        "documents/screening_statistics.html",
        {
            "meta": {
                "title": title,
                "author": context["generated_by"] or "Tiaojie",
                "issued_at": now.isoformat(),
            },
            "title": title,
            "region": sel.region.full_name,
            "period": f"{cn_date(sel.date_from)}至{cn_date(sel.date_to)}",
            "ytd": f"{cn_date(ytd.date_from)}至{cn_date(ytd.date_to)}",
            "generated_on": f"{cn_date(now.date())} {now:%H:%M}",
            "generated_by": context["generated_by"],
            "cells": printed,
        },
    )
    return renderer.render_html(html, context).pdf
