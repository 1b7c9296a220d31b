"""Reading the uploaded file: .xlsx, or .csv in UTF-8 (with or without BOM) or GB18030 (which
Chinese Excel writes); the header matched against `COLUMNS`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from registers.columns import BY_HEADER, COLUMNS, IGNORED_HEADERS, SHEET, Column, cell_text

User = get_user_model()


# --- results ------------------------------------------------------------------------------
@dataclass
class RowError:
    row: int
    messages: list[str]

    def __str__(self) -> str:
        return f"第{self.row}行：" + "；".join(self.messages)


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0  # data rows read (blank lines not counted)
    imported: int = 0  # cases created and kept (0 on a dry run or when anything is wrong)
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return [e.row for e in self.errors]


class FileProblem(Exception):
    pass


# --- reading the file ---------------------------------------------------------------------
def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem(
            "无法识别 CSV 文件的编码：请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”"
        ) from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileProblem("这不是文本格式的 CSV 文件")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式有误（第{reader.line_num}行）：{exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise FileProblem(f"不是有效的 .xlsx 文件（{type(exc).__name__}）") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        start = sheet.min_row or 1
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=start):
            yield number, list(row)
    finally:
        book.close()


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every line of the file, the header first."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith(".csv"):
        return _csv_rows(data)
    raise FileProblem("只能导入 .xlsx 或 .csv 文件")


def _normalize(header) -> str:
    text = cell_text(header).replace("\u3000", "").replace(" ", "")
    return text.rstrip("*＊").removesuffix("（必填）").removesuffix("(必填)")


def check_header(cells: list) -> tuple[list[Column | None], list[str]]:
    """The column of each position (None: ignored) and the problems with the header."""
    problems: list[str] = []
    seen: set[str] = set()
    layout: list[Column | None] = []
    unknown: list[str] = []
    for cell in cells:
        header = _normalize(cell)
        if not header or header in IGNORED_HEADERS:
            layout.append(None)
            continue
        column = BY_HEADER.get(header)
        if column is None:
            unknown.append(header)
            layout.append(None)
        elif column.key in seen:
            problems.append(f"列“{header}”出现了两次")
            layout.append(None)
        else:
            seen.add(column.key)
            layout.append(column)
    if unknown:
        problems.append(
            "不认识的列：" + "、".join(f"“{h}”" for h in unknown) + "（请使用模板中的列名）"
        )
    missing = [c.header for c in COLUMNS if c.always_required and c.key not in seen]
    if missing:
        problems.append("缺少必填列：" + "、".join(f"“{h}”" for h in missing))
    return layout, problems
