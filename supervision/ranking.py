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
        ("review", "review_pass_rate", _("卷宗评查合格率")),  # SPEC §15 (county/ models)
    ]


def score(row: dict, weights: dict[str, int]) -> dict:
    # A weight left out (an older caller's dict) counts 0.
    weights = {key: weights.get(key, 0) for key, _f, _l in parts()}
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
    _review_rates(sel, rows)
    ranked = [{"region": row, **score(row, weights)} for row in rows if row["id"] != sel.region.pk]
    ranked.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["region"]["name"]))
    place, previous = 0, object()
    for index, entry in enumerate(ranked, start=1):
        if entry["score"] != previous:
            place, previous = index, entry["score"]
        entry["rank"] = place if entry["score"] is not None else None
    return ranked


def reviews_version() -> tuple[object, int]:
    """What moves when any file's score does (a score writes no case event): the newest
    scoring time and the number of scored files — part of the cached ranking's key."""
    from django.db.models import Count, Max

    from county.models import ReviewItem

    found = ReviewItem.objects.filter(total__isnull=False).aggregate(
        at=Max("scored_at"), n=Count("id")
    )
    return found["at"], int(found["n"])


def _review_rates(sel: stats.Selection, rows: list[dict]) -> None:
    """卷宗评查合格率 of each child region: scored files of the cohort's cases graded 合格 or 优秀
    (county.models.ReviewItem), over the scored files."""
    from cases.models import Case, Region
    from county.models import Grade, ReviewItem

    paths = dict(Region.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "path"))
    scored = ReviewItem.objects.filter(case__in=Case.objects.filter(sel.q()), total__isnull=False)
    items = list(scored.values_list("case__region_path", "grade"))
    for row in rows:
        path = paths.get(row["id"])
        grades = [g for p, g in items if path and p.startswith(path)]
        passed = sum(g in (Grade.EXCELLENT, Grade.PASSED) for g in grades)
        row["review_pass_rate"] = passed / len(grades) if grades else None
        row.setdefault("parts", {})["review_pass_rate"] = (passed, len(grades))
