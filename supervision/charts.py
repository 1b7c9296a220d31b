"""Geometry of the monthly trend chart; the template draws it as inline SVG (no script, no
library, no CDN), scaled by its viewBox to any screen width. Coordinates are strings so that
number localisation can never turn 12.5 into "12,5" inside an SVG attribute."""

from __future__ import annotations

import math

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 46, 12, 30


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
    rate as a line (right axis, 0–100 %)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(months), 1)
    slot = plot_w / count
    top = nice_ceiling(max([m["received"] for m in months] + [1]))
    bar = max(slot * 0.38, 1.0)
    every = max(1, math.ceil(count / 12))  # at most ~12 month labels
    bars, labels, points = [], [], []
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
            labels.append({"x": _f(x + slot / 2), "text": m["month"][2:]})
        if m["success_rate"] is not None:
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
        "label_y": HEIGHT - 10,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "line": " ".join(points),
    }
