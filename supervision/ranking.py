"""考评: child regions ranked by a weighted score of four rates, each score shown with its parts.

score = Σ weightᵢ × rateᵢ ÷ Σ weightᵢ × 100, over the rates a region has data for: a rate with
no denominator (no closed case, no visit …) is left out and its weight shared by the others
rather than counted as zero, and a region with no data at all has no score and ranks last.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from supervision import stats
from supervision.models import RankingWeights


def parts() -> list[tuple[str, str, str]]:
    """(weight key, figure, label)."""
    return [
        ("success", "success_rate", _("调解成功率")),
        ("timeliness", "timeliness_rate", _("按期办结率")),
        ("follow_up", "follow_up_rate", _("回访率")),
        ("satisfaction", "satisfaction_rate", _("回访满意率")),
    ]


def score(row: dict, weights: dict[str, int]) -> dict:
    available = sum(weights[key] for key, figure, _l in parts() if row[figure] is not None)
    explained, total = [], None
    for key, figure, label in parts():
        value = row[figure]
        points = None
        if value is not None and available:
            points = round(value * weights[key] / available * 100, 1)
            total = round((total or 0) + points, 1)
        num, den = row["parts"][figure]
        explained.append(
            {
                "key": key,
                "label": label,
                "rate": value,
                "num": num,
                "den": den,
                "weight": weights[key],
                "points": points,
            }
        )
    return {"score": total, "parts": explained}


def ranking(
    sel: stats.Selection, *, weights: dict | None = None, today: dt.date | None = None
) -> list[dict]:
    weights = weights or RankingWeights.current().as_dict()
    rows = stats.by_child_region(sel, today=today)
    ranked = [{"region": row, **score(row, weights)} for row in rows if row["id"] != sel.region.pk]
    ranked.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["region"]["name"]))
    place, previous = 0, object()
    for index, entry in enumerate(ranked, start=1):
        if entry["score"] != previous:
            place, previous = index, entry["score"]
        entry["rank"] = place if entry["score"] is not None else None
    return ranked
