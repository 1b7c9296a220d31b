"""The statistics exports open and carry the numbers the statistics page shows."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.supervision.conftest import PERIOD

pytestmark = pytest.mark.django_db


def page_cells(client, user) -> list[list[str]]:
    client.force_login(user)
    html = client.get(reverse("supervision:statistics"), PERIOD).content.decode()
    table = html.split('id="statistics"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [re.findall(r"<t[hd]>([^<]*)</t[hd]>", row) for row in rows]


def as_text(value, number_format: str) -> str:
    """A workbook cell printed the way the page prints it."""
    if value is None:
        return "—"
    if "%" in number_format:
        return f"{value * 100:.1f}%"
    if number_format == "#,##0.00":
        return f"{value:,.2f}"
    return str(value)


def test_xlsx_has_the_page_numbers(cohort, today, client, supervisor):
    page = page_cells(client, supervisor)
    response = client.get(reverse("supervision:statistics-xlsx"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["统计表"]
    assert sheet["B2"].value == "青山市青山县"
    rows = [
        [as_text(c.value, c.number_format) for c in row]
        for row in sheet.iter_rows(min_row=4, max_row=sheet.max_row)
    ]
    assert rows == page  # header, 17 dispute types, totals: cell for cell
    assert rows[-1][:3] == ["合计", "13", "1"]
    totals = [c.value for c in sheet[sheet.max_row]]
    assert totals[7] == pytest.approx(5 / 7, abs=1e-4)  # a number, formatted as a percentage
    overview = {r[0].value: r[1].value for r in book["概况"].iter_rows(min_row=2)}
    assert overview["受理"] == 13 and overview["超期未结"] == 2
    assert overview["办结天数（90%分位）"] == 45.2


@pytest.mark.real_pdf
def test_pdf_has_the_page_numbers(cohort, today, client, supervisor, tmp_path):
    page = page_cells(client, supervisor)
    response = client.get(reverse("supervision:statistics-pdf"), PERIOD)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "statistics.pdf"
    pdf.write_bytes(response.content)
    assert response.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "人民调解纠纷统计表" in text and "青山市青山县" in text
    lines = [line.split() for line in text.splitlines()]
    for row in page[1:]:  # every dispute type and the totals, number for number
        assert row in lines, row
    closed_line = next(words for words in lines if words[:1] == ["已结案"])
    assert closed_line[2:4] == ["调解成功率", "71.4%"]
    # The report's data travels inside the file, like every document's.
    attachments = subprocess.run(
        ["pdfdetach", "-list", str(pdf)], capture_output=True, check=True, text=True
    ).stdout
    assert "record.json" in attachments


def test_command_writes_the_same_workbook(cohort, today, client, supervisor, tmp_path):
    out = tmp_path / "stats.xlsx"
    stdout = io.StringIO()
    call_command(
        "stats_export",
        "--region",
        "青山市青山县",
        "--from",
        PERIOD["from"],
        "--to",
        PERIOD["to"],
        "--output",
        str(out),
        "--user",
        "supervisor",
        stdout=stdout,
    )
    assert "受理 13 件" in stdout.getvalue()
    sheet = load_workbook(out)["统计表"]
    rows = [
        [as_text(c.value, c.number_format) for c in row]
        for row in sheet.iter_rows(min_row=4, max_row=sheet.max_row)
    ]
    assert rows == page_cells(client, supervisor)


def test_command_without_user_counts_everything(cohort, today, tmp_path):
    out = tmp_path / "city.xlsx"
    stdout = io.StringIO()
    call_command("stats_export", "--region", "青山市", "--from", "2026-01-01", "--to",
                 "2026-03-31", "--output", str(out), stdout=stdout)  # fmt: skip
    assert "受理 16 件" in stdout.getvalue()


def test_command_refuses_bad_arguments(cohort, today):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不存在"):
        call_command("stats_export", "--region", "火星")
    with pytest.raises(CommandError, match="区域不存在"):
        call_command("stats_export", "--region", "白水县", "--user", "supervisor")
    with pytest.raises(CommandError, match="只有督导员"):
        call_command("stats_export", "--region", "青山县", "--user", "mediator")
    with pytest.raises(CommandError, match="不是有效日期"):
        call_command("stats_export", "--region", "青山县", "--from", "2026-02-30")
