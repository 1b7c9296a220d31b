"""Geometry of the monthly trend chart; the template draws it as inline SVG (no script, no
library, no CDN), scaled by its viewBox to any screen width. Coordinates are strings so that
number localisation can never turn 12.5 into "12,5" inside an SVG attribute."""

from __future__ import annotations

import math

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 70, 16, 38
MAX_WIDTH = 760  # CSS px: .sv-chart { max-width }
PAGE_PADDING = 16  # CSS px left and right of the chart on a phone (.sv-page at ≤ 480 px)

# The chart scales with its viewBox, so text set in user units shrinks on a phone: 14 units on a
# 320-px screen would be 6.6 px. The stylesheet (tiaojie.css, .sv-tick/.sv-label) sets the size
# per screen width from this table — (largest viewport in CSS px, font size in user units) — and
# thins the month labels so the larger text does not overlap: `minor` labels are hidden at
# ≤ 700 px, `phone_hidden` ones at ≤ 480 px. text_px() is what a reader then sees.
FONT_TIERS = ((480, 26), (700, 18), (None, 14))
MIN_TEXT_PX = 12


def font_units(viewport: int) -> int:
    return next(size for limit, size in FONT_TIERS if limit is None or viewport <= limit)


def text_px(viewport: int) -> float:
    """The on-screen size in CSS px of chart text on a screen `viewport` CSS px wide."""
    shown = min(viewport - PAGE_PADDING, MAX_WIDTH)
    return font_units(viewport) * shown / WIDTH


def _f(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value` (a readable axis top)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(int(step * power) for step in (1, 2, 5, 10) if value <= step * power)


def trend(months: list[dict]) -> dict:
    """Bars for cases received and agreements reached per month (left axis), and the success
    rate as a line (right axis, 0–100 %) through the months whose rate rests on enough cases
    (`rate_shown`, stats.MIN_RATE_BASE)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(months), 1)
    slot = plot_w / count
    top = nice_ceiling(max([m["received"] for m in months] + [1]))
    bar = max(slot * 0.38, 1.0)
    every = max(1, math.ceil(count / 12))  # at most ~12 month labels
    bars: list[dict] = []
    labels: list[dict] = []
    points: list[str] = []
    for i, m in enumerate(months):
        x = LEFT + i * slot
        for offset, key, css in ((0.1, "received", "received"), (0.5, "agreements", "agreed")):
            h = plot_h * m[key] / top
            bars.append(
                {
                    "x": _f(x + slot * offset),
                    "y": _f(TOP + plot_h - h),
                    "w": _f(bar),
                    "h": _f(h),
                    "css": css,
                    "month": m["month"],
                    "value": m[key],
                }
            )
        if i % every == 0:
            n = len(labels)
            labels.append(
                {
                    "x": _f(x + slot / 2),
                    "text": m["month"][2:],
                    "minor": n % 2 != 0,
                    "phone_hidden": n % 4 != 0,
                }
            )
        if m["success_rate"] is not None and m.get("rate_shown", True):
            points.append(f"{_f(x + slot / 2)},{_f(TOP + plot_h * (1 - m['success_rate']))}")
    ticks = [
        {"y": _f(TOP + plot_h * (1 - f)), "value": round(top * f), "pct": int(f * 100)}
        for f in ((0, 0.25, 0.5, 0.75, 1) if top >= 4 else (0, 1))
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "tick_x": LEFT - 4,
        "pct_x": WIDTH - RIGHT + 4,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "line": " ".join(points),
    }
