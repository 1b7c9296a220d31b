"""An .xlsx is opened only when it is safe to (SPEC §12, registers/reading.py): hostile files built
here with zipfile — a zip bomb, sizes that lie, a "billion laughs" in each kind of XML part, a
sheet that claims (or holds) a million rows — are refused with a Chinese message in under a
second, and never with a 500."""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook

from registers import importing, reading
from tests.registers.test_importing import HEADERS, row

PAGE_ROWS = 200  # the import page's limit (web/views/registers.py)
SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[dict]) -> bytes:
    """A plain .xlsx as openpyxl (like Excel) writes it: the header, then `rows`."""
    book = Workbook()
    sheet = book.active
    sheet.title = importing.SHEET
    sheet.append(HEADERS)
    for r in rows:
        sheet.append([r.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """`data` with the zip entry `name` replaced by `content` (or added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = [i.filename for i in source.infolist()]
        for entry in names:
            target.writestr(entry, content if entry == name else source.read(entry))
        if name not in names:
            target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode()


# Nine levels of ten: &lol9; would expand to 10^9 "lol"s (3 GB).
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
)
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def laughing(xml: str, *, padded: bool, use: tuple[str, str]) -> bytes:
    """`xml` with the billion laughs in its prolog (after a comment longer than what
    check_zip reads when `padded`) and the entity used where `use` says."""
    body = re.sub(r"^<\?xml[^>]*\?>", "", xml)
    old, new = use
    assert old in body
    pad = "<!--" + "p" * (reading.PROLOG_BYTES + 1000) + "-->" if padded else ""
    return (DECLARATION + pad + LAUGHS + body.replace(old, new, 1)).encode()


@pytest.fixture
def run(world, clerk):
    """import_cases as the page runs it (200 rows); returns (result, seconds)."""

    def go(data: bytes, *, filename="register.xlsx", max_rows=PAGE_ROWS):
        started = time.perf_counter()
        result = importing.import_cases(
            data,
            filename=filename,
            organization=world["east"],
            actor=clerk,
            dry_run=True,
            max_rows=max_rows,
        )
        return result, time.perf_counter() - started

    return go


def test_a_plain_workbook_still_reads(run):
    result, _ = run(workbook([row(1), row(2, "不予受理")]))
    assert result.ok, result.file_errors + [str(e) for e in result.errors]
    assert result.rows == 2


# --- the zip --------------------------------------------------------------------------------
def test_zip_bomb_is_refused_before_anything_is_unpacked(run):
    # 60 MB of one repeated row packs into ~60 KB: a ratio of ~1000.
    base = workbook([row(1)])
    sheet = part(base, "xl/worksheets/sheet1.xml")
    filler = '<row r="2"><c r="A2" t="inlineStr"><is><t>0</t></is></c></row>' * 1_000_000
    bomb = with_part(
        base,
        "xl/worksheets/sheet1.xml",
        sheet.replace("</sheetData>", filler + "</sheetData>").encode(),
    )
    assert len(bomb) < 1024 * 1024
    result, seconds = run(bomb)
    assert result.file_errors and "文件过大或已损坏" in result.file_errors[0]
    assert "压缩" in result.file_errors[0]
    assert seconds < 1, seconds
    print(f"zip bomb ({len(bomb)} bytes packed) refused in {seconds:.4f} s")


def test_total_unpacked_size_is_limited(run, settings):
    data = workbook([row(i) for i in range(50)])
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    settings.TIAOJIE_XLSX_MAX_UNPACKED_BYTES = unpacked - 1
    result, _ = run(data)
    assert (
        "文件过大或已损坏" in result.file_errors[0] and "解压后的内容超过" in result.file_errors[0]
    )
    settings.TIAOJIE_XLSX_MAX_UNPACKED_BYTES = unpacked
    assert run(data)[0].ok


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """`data` with the uncompressed size of `name` declared as `size` (local header and
    central directory both)."""
    out = bytearray(data)
    end = out.rfind(b"PK\x05\x06")
    (position,) = struct.unpack_from("<I", out, end + 16)
    while out[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", out, position + 28)
        (local,) = struct.unpack_from("<I", out, position + 42)
        if out[position + 46 : position + 46 + name_length].decode() == name:
            struct.pack_into("<I", out, position + 24, size)
            struct.pack_into("<I", out, local + 22, size)
        position += 46 + name_length + extra_length + comment_length
    return bytes(out)


def test_a_part_that_lies_about_its_size_is_never_unpacked_past_it(run):
    """The check trusts the declared sizes because zipfile never unpacks past them: a part that
    claims 100 bytes and holds 20 MB stops with a CRC error after 100 bytes."""
    big = (DECLARATION + "<!--" + "x" * 20_000_000 + "-->").encode()
    data = with_part(workbook([row(1)]), SHEET, big)
    lying = lie_about_size(data, SHEET, 100)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo(SHEET).file_size == 100
    result, seconds = run(lying)
    assert result.file_errors and "已损坏" in result.file_errors[0]
    assert seconds < 1, seconds


def test_not_a_zip_at_all(run):
    result, _ = run(b"PK\x03\x04 but not really a zip")
    assert "不是有效的 .xlsx 文件" in result.file_errors[0]


# --- XML entities ---------------------------------------------------------------------------
def test_openpyxl_parses_with_defusedxml_here():
    """The guarantee under the check: openpyxl picked defusedxml when it was imported."""
    from openpyxl.reader import strings
    from openpyxl.worksheet import _reader

    assert openpyxl.DEFUSEDXML is True
    assert _reader.iterparse.__module__.startswith("defusedxml.")
    assert strings.iterparse.__module__.startswith("defusedxml.")


# Where each part can use the entity: a cell of the sheet, a shared string, the sheet's name.
TARGETS = {
    SHEET: ("<t>", "<t>&lol9;"),
    "xl/workbook.xml": (f'name="{importing.SHEET}"', 'name="&lol9;"'),
}


@pytest.mark.parametrize("padded", [False, True], ids=["dtd-first", "dtd-after-64k-comment"])
@pytest.mark.parametrize("name", [SHEET, "xl/workbook.xml", "xl/sharedStrings.xml"])
def test_billion_laughs_is_refused(run, name, padded):
    """Unpadded: check_zip sees the DTD. Padded past what it reads: openpyxl's own parsers
    refuse it (defusedxml for sheets and shared strings, lxml without entities for the rest)."""
    base = workbook([row(1)])
    if name == "xl/sharedStrings.xml":
        # A workbook whose cells are shared strings, as Excel writes them.
        strings = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>原案号</t></si></sst>'
        sheet = part(base, SHEET)
        sheet = re.sub(
            r'<row r="1">.*?</row>', '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', sheet
        )
        base = with_part(base, SHEET, sheet.encode())
        types = part(base, "[Content_Types].xml").replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        base = with_part(base, "[Content_Types].xml", types.encode())
        rels = part(base, "xl/_rels/workbook.xml.rels").replace(
            "</Relationships>",
            '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        base = with_part(base, "xl/_rels/workbook.xml.rels", rels.encode())
        base = with_part(base, name, strings.encode())
        target = ("<t>", "<t>&lol9;")
    else:
        target = TARGETS[name]
    bomb = with_part(base, name, laughing(part(base, name), padded=padded, use=target))
    result, seconds = run(bomb)
    assert result.file_errors, "the laughing file was read"
    # lxml (workbook.xml) says "entity reference loop"; defusedxml raises EntitiesForbidden.
    assert result.file_errors[0] == reading.UNSAFE_XML
    assert seconds < 1, seconds


def test_without_defusedxml_in_openpyxl_xlsx_is_refused(run, monkeypatch):
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet import _reader

    monkeypatch.setattr(_reader, "iterparse", iterparse)  # as with OPENPYXL_DEFUSEDXML=False
    result, _ = run(workbook([row(1)]))
    assert "defusedxml" in result.file_errors[0] and "CSV" in result.file_errors[0]


# --- rows and columns -----------------------------------------------------------------------
def dimension_bomb(*, last_cell: bool) -> bytes:
    """A sheet that claims A1:XFD1048576; with `last_cell`, it also holds XFD1048576."""
    base = workbook([row(1)])
    sheet = re.sub(
        r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>', part(base, SHEET)
    )
    if last_cell:
        far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        sheet = sheet.replace("</sheetData>", far + "</sheetData>")
    return with_part(base, SHEET, sheet.encode())


def test_the_dimension_is_not_trusted(run):
    result, seconds = run(dimension_bomb(last_cell=False))
    assert result.ok and result.rows == 1
    assert seconds < 1, seconds


@pytest.mark.parametrize("max_rows", [PAGE_ROWS, importing.MAX_ROWS])
def test_a_million_rows_mostly_blank_are_refused_quickly(run, max_rows):
    result, seconds = run(dimension_bomb(last_cell=True), max_rows=max_rows)
    assert (
        result.file_errors
        and f"一次最多导入 {max_rows} 行（空行也计算在内）" in result.file_errors[0]
    )
    assert seconds < 1, seconds
    print(f"dimension bomb refused at {max_rows} rows in {seconds:.4f} s")


def test_blank_rows_count(run):
    data = workbook([row(1)])
    sheet = part(data, SHEET).replace(
        "</sheetData>",
        f'<row r="{PAGE_ROWS + 2}"><c r="A{PAGE_ROWS + 2}" t="inlineStr"><is><t></t></is></c></row></sheetData>',
    )
    result, _ = run(with_part(data, SHEET, sheet.encode()))  # 1 data row, then blanks to 202
    assert "空行也计算在内" in result.file_errors[0]
    csv_data = ",".join(HEADERS).encode() + b"\n" + b",\n" * PAGE_ROWS + b"x\n"
    result, _ = run(csv_data, filename="register.csv")
    assert "空行也计算在内" in result.file_errors[0]
    # Within the limit, blank lines are skipped as before.
    assert run(data)[0].ok


def test_a_cell_past_the_column_limit_is_refused(run):
    data = workbook([row(1)])
    wide = part(data, SHEET).replace(
        '<row r="2">', '<row r="2"><c r="CW2" t="inlineStr"><is><t>多余</t></is></c>', 1
    )
    # openpyxl reads cells in the order written; put the far cell last in its row.
    wide = re.sub(r'(<row r="2">)(<c r="CW2".*?</c>)(.*?)(</row>)', r"\1\3\2\4", wide, count=1)
    result, _ = run(with_part(data, SHEET, wide.encode()))
    assert f"第2行超过 {reading.MAX_COLUMNS} 列" in result.file_errors[0]
    csv_data = (",".join(HEADERS) + "\n" + "," * (reading.MAX_COLUMNS + 5) + "多余\n").encode()
    result, _ = run(csv_data, filename="register.csv")
    assert f"第2行超过 {reading.MAX_COLUMNS} 列" in result.file_errors[0]
