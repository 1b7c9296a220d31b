"""Import of an existing mediator register (人民调解员名册, SPEC §15) from .xlsx or .csv, with
the cases' machinery: the file is read by registers.reading (the same zip-bomb and DTD checks,
the same row limit, blank lines counted), the header matched by `check_header` against this
module's `COLUMNS`, each cell parsed by its Column, and every row entered through
workflows.services.mediator_register — all in one transaction: a file with any refused row (or
a dry run) leaves nothing behind. Who: whoever may keep the register of the committees a row
names (a director for their committee, a supervisor for the committees in their region)."""

from __future__ import annotations

import io

from django.db import transaction
from openpyxl import Workbook

from cases import scope
from cases.models import Organization
from core.errors import DomainError
from core.spreadsheet import xlsx_row
from core.uploads import limit_for, size_text
from registers.columns import (
    CellError,
    Column,
    cell_text,
    parse_date,
    parse_deadline,
    parse_gender,
    parse_id_type,
    parse_list,
)
from registers.reading import FileProblem, ImportResult, RowError, check_header, read_rows
from workflows import services

SHEET = "人民调解员名册"
MAX_ROWS = 5000
KINDS = {"专职": "full_time", "兼职": "part_time"}
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_kind(value: object) -> str:
    text = cell_text(value)
    if text in KINDS or text in KINDS.values():
        return KINDS.get(text, text)
    raise CellError("请填写“专职”或“兼职”")


def parse_grade(value: object) -> int:
    text = cell_text(value)
    if text not in GRADES:
        raise CellError("请填写一级、二级、三级或四级")
    return GRADES[text]


def parse_year(value: object) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    if not (text.isdigit() and 1900 <= int(text) <= 2100):
        raise CellError(f"“{text[:10]}”不是年份，请写成 1975")
    return int(text)


def parse_filed(value: object) -> bool:
    text = cell_text(value)
    if text in ("", "否", "未备案"):
        return False
    if text in ("是", "已备案"):
        return True
    raise CellError("请填写“是”或“否”")


COLUMNS = [
    Column("name", "姓名", "是", "调解员姓名", "孙调解", max_length=50),
    Column("gender", "性别", "否", "男 或 女", "女", parse_gender),
    Column("birth_year", "出生年份", "否", "四位年份", "1975", parse_year),
    Column("id_type", "证件类型", "否", "不填时为居民身份证", "居民身份证", parse_id_type),
    Column("id_number", "证件号码", "否", "按证件类型校验", "110105197508022012"),
    Column("phone", "联系电话", "否", "手机或固定电话", "13900000003"),
    Column(
        "organizations",
        "所在调委会",
        "是",
        "调委会名称或简称，多个用分号分隔",
        "东村调委",
        parse_list,
    ),  # fmt: skip
    Column("kind", "类别", "是", "专职 或 兼职", "专职", parse_kind, options=tuple(KINDS)),
    Column(
        "grade",
        "等级",
        "是",
        "一级至四级",
        "二级",
        parse_grade,
        options=("一级", "二级", "三级", "四级"),
    ),
    Column("appointed_on", "聘任日期", "是", "如 2024-01-01", "2024-01-01", parse_date),
    Column("term_ends_on", "任期届满日期", "是", "如 2026-12-31", "2026-12-31", parse_deadline),
    Column("filed", "已备案", "否", "是 或 否", "是", parse_filed, options=("是", "否")),
    Column("user", "系统账号", "否", "该调解员登录本系统的用户名（如有）", "mediator"),
]


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(xlsx_row(sheet, [c.header + ("*" if c.always_required else "") for c in COLUMNS]))
    sheet.append(xlsx_row(sheet, [c.example for c in COLUMNS]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _parse(number: int, cells: list, layout: list[Column | None]) -> tuple[dict, list[str]]:
    values: dict = {}
    errors: list[str] = []
    for column, cell in zip(layout, cells, strict=False):
        if column is None:
            continue
        try:
            value = column.parse(cell)
        except CellError as exc:
            errors.append(f"{column.header}：{exc}")
            continue
        if column.max_length and isinstance(value, str) and len(value) > column.max_length:
            errors.append(f"{column.header}：不能超过{column.max_length}个字")
        values[column.key] = value
    for column in COLUMNS:
        if column.always_required and values.get(column.key) in (None, "", []):
            errors.append(f"{column.header}：必填")
    return values, errors


def _organizations(names: list[str]) -> tuple[list[Organization], list[str]]:
    found, errors = [], []
    for name in names:
        org = (
            Organization.objects.filter(name=name).first()
            or Organization.objects.filter(short_code=name).first()
        )
        if org is None:
            errors.append(f"所在调委会：没有名为“{name}”的调委会")
        else:
            found.append(org)
    return found, errors


def _user(username: str) -> object:
    from django.contrib.auth.models import User

    if not username:
        return None
    user = User.objects.filter(username=username).first()
    return user.pk if user else f"“{username}”"


class _Rollback(Exception):
    pass


def import_mediators(
    data: bytes, *, filename: str, actor: scope.Viewer, dry_run: bool, max_rows: int = MAX_ROWS
) -> ImportResult:
    """Read, check and (unless `dry_run`) enter a register; see the module docstring."""
    result = ImportResult(dry_run=dry_run)
    if len(data) > limit_for("import"):
        result.file_errors.append(f"文件超过 {size_text(limit_for('import'))}")
        return result
    rows: list[tuple[int, dict, list[str]]] = []
    try:
        lines = read_rows(data, filename)
        header = next(lines, None)
        if header is None or not any(cell_text(c) for c in header[1]):
            result.file_errors.append("文件是空的：第1行应为列名")
            return result
        layout, problems = check_header(header[1], COLUMNS)
        if problems:
            result.file_errors.extend(problems)
            return result
        for number, cells in lines:
            if number - header[0] > max_rows:
                result.file_errors.append(f"一次最多导入 {max_rows} 行（空行也计算在内）")
                return result
            if any(cell_text(c) for c in cells):
                rows.append((number, *_parse(number, cells, layout)))
    except FileProblem as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    if not rows:
        result.file_errors.append("文件中没有调解员（第2行起为数据）")
        return result
    for _number, values, errors in rows:
        orgs, problems = _organizations(values.get("organizations") or [])
        errors.extend(problems)
        values["organizations"] = orgs
        values["id_type"] = values.get("id_type") or "resident_id"
        if not values.get("id_number") and values["id_type"] == "resident_id":
            values["id_type"] = "none"
    result.errors = [RowError(n, e) for n, _v, e in rows if e]
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for _number, values, errors in rows:
                values["user"] = _user(values.get("user") or "")
                try:
                    with transaction.atomic():
                        services.mediator_register(actor=actor, **values)
                except DomainError as exc:
                    fields = "；".join(m for ms in exc.fields.values() for m in ms)
                    errors.append(
                        exc.message
                        + (f"（{fields}）" if fields and fields not in exc.message else "")
                    )
            result.errors = [RowError(n, e) for n, _v, e in rows if e]
            if dry_run or result.errors:
                raise _Rollback
            result.imported = len(rows)
    except _Rollback:
        pass
    return result
