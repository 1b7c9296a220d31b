"""Reading the uploaded file: .xlsx, or .csv in UTF-8 (with or without BOM) or GB18030 (which
Chinese Excel writes); the header matched against `COLUMNS`.

An .xlsx is a zip of XML parts, read only when it is safe to (SPEC §12):

- the zip's directory first: how many parts, how large each unpacks to and how much smaller it
  is packed (`check_zip`, settings TIAOJIE_XLSX_MAX_UNPACKED_BYTES and TIAOJIE_XLSX_MAX_RATIO).
  The sizes are the declared ones, and Python's zipfile never unpacks a part past its declared
  size (it stops with a CRC error), so a zip bomb is refused before anything is unpacked;
- no XML part may declare a DTD (checked on each part's start with defusedxml, which refuses
  DTDs and entities), and openpyxl parses the sheets and shared strings with defusedxml itself
  (`openpyxl.DEFUSEDXML`, on when defusedxml is installed; a run refuses .xlsx when it is off)
  and the other parts with lxml without resolving entities: a "billion laughs" is refused;
- the sheet's own <dimension> is not trusted (`reset_dimensions`); at most MAX_COLUMNS columns
  are read per row, and the caller stops at its row limit, blank rows counted, so a sheet that
  claims or holds a million rows is never walked.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model

from registers.columns import BY_HEADER, COLUMNS, IGNORED_HEADERS, SHEET, Column, cell_text

User = get_user_model()
log = logging.getLogger(__name__)

MAX_COLUMNS = 100  # columns read per row; the template has far fewer
MAX_ZIP_ENTRIES = 1000
RATIO_FROM_BYTES = 1024 * 1024  # small parts may pack very well; the ratio is checked above this
PROLOG_BYTES = 64 * 1024  # how much of each XML part is checked for a DTD
XML_PARTS = (".xml", ".rels", ".vml")
TOO_LARGE = (
    "文件过大或已损坏：解压后的内容超过 {limit} 的上限，或压缩比异常（可能是“压缩炸弹”），"
    "未读取。请用 Excel 重新另存为 .xlsx，或另存为 CSV 后导入。"
)
UNSAFE_XML = (
    "文件已损坏或不安全：其中的 XML 含有 DTD 或实体声明（Excel 保存的文件不会有），未读取。"
    "请用 Excel 重新另存为 .xlsx 后导入。"
)


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
        for number, cells in enumerate(reader, start=1):
            if len(cells) > MAX_COLUMNS and any(cell_text(c) for c in cells[MAX_COLUMNS:]):
                raise FileProblem(f"第{number}行超过 {MAX_COLUMNS} 列：请删除多余的列")
            yield number, cells[:MAX_COLUMNS]
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式有误（第{reader.line_num}行）：{exc}") from None


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def check_zip(data: bytes) -> None:
    """Refuse a zip bomb or a part with a DTD before openpyxl opens the file (module docstring);
    only the directory and the first PROLOG_BYTES of each XML part are read."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    limit, ratio = settings.TIAOJIE_XLSX_MAX_UNPACKED_BYTES, settings.TIAOJIE_XLSX_MAX_RATIO
    too_large = FileProblem(TOO_LARGE.format(limit=_size(limit)))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise FileProblem(f"不是有效的 .xlsx 文件（{type(exc).__name__}）") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise too_large
        total = 0
        for entry in entries:
            total += entry.file_size
            packed_well = entry.file_size > ratio * max(entry.compress_size, 1)
            if total > limit or (entry.file_size > RATIO_FROM_BYTES and packed_well):
                raise too_large
        for entry in entries:
            if not entry.filename.lower().endswith(XML_PARTS):
                continue
            try:
                with archive.open(entry) as part:
                    start = part.read(PROLOG_BYTES)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError):
                raise FileProblem("文件过大或已损坏：无法解压其中的内容。") from None
            parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True)
            try:
                parser.feed(start)
            except DefusedXmlException:
                raise FileProblem(UNSAFE_XML) from None
            except ParseError:
                pass  # not well-formed: openpyxl will say so, or the part is not read at all


def _require_defused_openpyxl() -> None:
    """openpyxl decides at import (env OPENPYXL_DEFUSEDXML) whether it parses with defusedxml;
    without it a sheet could expand entities: refuse rather than parse unsafely."""
    from openpyxl import DEFUSEDXML
    from openpyxl.reader import strings
    from openpyxl.worksheet import _reader

    safe = all(
        getattr(module, "iterparse", None) is not None
        and module.iterparse.__module__.startswith("defusedxml")
        for module in (strings, _reader)
    )
    if not (DEFUSEDXML and safe):
        log.error("openpyxl is not using defusedxml (OPENPYXL_DEFUSEDXML?): .xlsx refused")
        raise FileProblem(
            "服务器未启用安全的 XML 解析（defusedxml），暂不能导入 .xlsx 文件："
            "请联系系统管理员，或在 Excel 中另存为 CSV 后导入。"
        )


# What a damaged or hostile .xlsx makes openpyxl (or lxml, zipfile, zlib) raise while reading.
_BROKEN = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, EOFError, OSError)


def _problem(exc: BaseException, what: str) -> FileProblem:
    """The message for what openpyxl raised: an XML part that declares entities (defusedxml's
    refusal, which openpyxl wraps in a ValueError; lxml's own refusal of an entity loop) is
    named as such, anything else as a damaged file."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException) or (
            isinstance(seen, SyntaxError) and "entit" in str(seen).lower()
        ):
            return FileProblem(UNSAFE_XML)
        seen = seen.__cause__ or seen.__context__
    return FileProblem(f"{what}（{type(exc).__name__}）")


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    check_zip(data)
    _require_defused_openpyxl()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (*_BROKEN, SyntaxError, IndexError, AttributeError) as exc:
        raise _problem(exc, "不是有效的 .xlsx 文件") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # the file's <dimension> may claim A1:XFD1048576
        rows = sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS + 1, values_only=True)
        for number, row in enumerate(rows, start=1):
            cells = list(row)
            if cell_text(cells[MAX_COLUMNS]):
                raise FileProblem(
                    f"第{number}行超过 {MAX_COLUMNS} 列：请删除多余的列（导入模板只有"
                    f" {len(COLUMNS)} 列）"
                )
            yield number, cells[:MAX_COLUMNS]
    except (*_BROKEN, SyntaxError) as exc:
        raise _problem(exc, "不是有效的 .xlsx 文件或文件已损坏") from None
    finally:
        book.close()


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every line of the file, blank ones included, the header first;
    lazily: the caller stops at its row limit (an .xlsx is checked before its first row)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith(".csv"):
        return _csv_rows(data)
    raise FileProblem("只能导入 .xlsx 或 .csv 文件")


def _normalize(header) -> str:
    text = cell_text(header).replace("\u3000", "").replace(" ", "")
    return text.rstrip("*＊").removesuffix("（必填）").removesuffix("(必填)")


def check_header(
    cells: list, columns: list[Column] | None = None
) -> tuple[list[Column | None], list[str]]:
    """The column of each position (None: ignored) and the problems with the header;
    `columns` is another register's table (registers/mediators.py), the cases' by default."""
    columns = COLUMNS if columns is None else columns
    by_header = (
        BY_HEADER
        if columns is COLUMNS
        else {c.header: c for c in columns} | {a: c for c in columns for a in c.aliases}
    )
    problems: list[str] = []
    seen: set[str] = set()
    layout: list[Column | None] = []
    unknown: list[str] = []
    for cell in cells:
        header = _normalize(cell)
        if not header or header in IGNORED_HEADERS:
            layout.append(None)
            continue
        column = by_header.get(header)
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
    missing = [c.header for c in columns if c.always_required and c.key not in seen]
    if missing:
        problems.append("缺少必填列：" + "、".join(f"“{h}”" for h in missing))
    return layout, problems
