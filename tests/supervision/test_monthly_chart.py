"""Monthly success rates on fewer than 5 cases are shown as counts, not drawn; chart text is
at least 12 px on every screen from 320 px up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from supervision import access, charts, stats
from tests.supervision.conftest import PERIOD

pytestmark = pytest.mark.django_db


def month(received, agreements, failed):
    base = agreements + failed
    return {
        "month": "2026-01",
        "received": received,
        "closed": base,
        "agreements": agreements,
        "failed": failed,
        "success_rate": round(agreements / base, 4) if base else None,
        "rate_base": base,
        "rate_shown": base >= stats.MIN_RATE_BASE,
    }


def test_months_below_five_have_no_rate_shown(cohort, today, supervisor):
    months = stats.summary(access.selection(supervisor, PERIOD))["monthly"]
    # January: 1 agreement + 1 failure = 2 < 5; March: 4 agreements + 1 failure = 5
    assert [(m["rate_base"], m["rate_shown"]) for m in months] == [
        (2, False),
        (0, False),
        (5, True),
    ]


def test_the_line_leaves_out_small_months():
    chart = charts.trend([month(3, 1, 2), month(9, 6, 2), month(1, 0, 0)])
    assert len(chart["line"].split()) == 1  # only the month with 8 cases behind its rate


def test_dashboard_table_shows_counts_for_small_months(cohort, today, client, supervisor):
    client.force_login(supervisor)
    html = client.get("/supervision/", PERIOD).content.decode()
    table = html.split('id="monthly"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\d{4}-\d\d)</td>.*?<td>([^<]*)</td></tr>", table)
    assert rows == [("2026-01", "1/2"), ("2026-02", "—"), ("2026-03", "80.0%")]
    assert "不足 5 件" in html


@pytest.mark.parametrize("viewport", [320, 360, 414, 480, 481, 600, 700, 701, 768, 1024, 1440])
def test_chart_text_is_at_least_12px(viewport):
    assert charts.text_px(viewport) >= charts.MIN_TEXT_PX


def test_the_stylesheet_carries_the_sizes_of_charts_font_tiers():
    css = Path(settings.BASE_DIR, "web/static/tiaojie/tiaojie.css").read_text()
    for limit, size in charts.FONT_TIERS:
        if limit is None:
            assert re.search(rf"\.sv-tick \{{[^}}]*font-size: {size}px", css)
            assert re.search(rf"\.sv-label \{{[^}}]*font-size: {size}px", css)
        else:
            block = css.split(f"@media (max-width: {limit}px) {{\n  .sv-tick, .sv-label")[1]
            assert block.split("}")[0].strip().startswith(f"{{ font-size: {size}px;")
    assert f"max-width: {charts.MAX_WIDTH}px" in css


def test_month_labels_thin_out_on_small_screens():
    chart = charts.trend([month(5, 1, 1) | {"month": f"2026-{i:02d}"} for i in range(1, 13)])
    labels = chart["labels"]
    assert len(labels) == 12
    assert sum(not label["minor"] for label in labels) == 6
    assert sum(not label["phone_hidden"] for label in labels) == 3
