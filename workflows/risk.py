"""Explainable risk score (SPEC §6, 早发现、早处置): every point comes from a named factor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Q

from cases.choices import RiskFactor, RiskLevel
from core.i18n import official

if TYPE_CHECKING:
    from cases.models import Case, Party

POINTS = {
    RiskFactor.GROUP_5: 20,
    RiskFactor.GROUP_10: 35,
    RiskFactor.VIOLENCE_THREAT: 40,
    RiskFactor.SELF_HARM_THREAT: 40,
    RiskFactor.PETITION_HISTORY: 15,
    RiskFactor.VULNERABLE_PARTY: 10,
    RiskFactor.LARGE_AMOUNT: 15,
    RiskFactor.REPEAT_DISPUTE: 15,
    RiskFactor.OVERDUE: 10,
}
# score ≥ threshold → level; checked from the top.
LEVELS = [
    (60, RiskLevel.CRITICAL),
    (40, RiskLevel.HIGH),
    (20, RiskLevel.MEDIUM),
    (0, RiskLevel.LOW),
]
LARGE_AMOUNT = Decimal("100000")


class Reason(TypedDict):
    """One factor of the score, as stored in `Case.risk_reasons`."""

    factor: str
    label: str
    points: int
    source: str


@dataclass(frozen=True)
class Assessment:
    score: int
    level: str
    reasons: list[Reason]


def level_for(score: int) -> str:
    return next(level for threshold, level in LEVELS if score >= threshold)


def party_keys(parties: Iterable[Party]) -> set[str]:
    """A person is the same person if the ID number matches, else name and phone."""
    keys = set()
    for p in parties:
        keys.add(f"id:{p.id_number.upper()}" if p.id_number else f"np:{p.name}|{p.phone}")
    return keys


def is_repeat_dispute(case: Case) -> bool:
    """Another case registered in the 12 months before this one shares ≥2 of its parties."""
    from cases.models import Party

    parties = list(case.parties.all())
    if len(parties) < 2:
        return False
    match = Q()
    for p in parties:
        match |= Q(id_number__iexact=p.id_number) if p.id_number else Q(name=p.name, phone=p.phone)
    since = case.registered_at - dt.timedelta(days=365)
    return (
        Party.objects.filter(match)
        .exclude(case=case)
        .filter(case__registered_at__gte=since, case__registered_at__lte=case.registered_at)
        .values("case")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .exists()
    )


def _official_label(factor: RiskFactor) -> str:
    """Stored on the case (and printed): Chinese whatever the acting user reads."""
    with official():
        return str(factor.label)


def assess(case: Case, *, overdue: bool) -> Assessment:
    automatic = set()
    if case.amount_involved is not None and case.amount_involved >= LARGE_AMOUNT:
        automatic.add(RiskFactor.LARGE_AMOUNT)
    if case.pk and is_repeat_dispute(case):
        automatic.add(RiskFactor.REPEAT_DISPUTE)
    if overdue:
        automatic.add(RiskFactor.OVERDUE)
    return score(case.risk_factors, automatic)


def score(recorded: Iterable[str], automatic: set[RiskFactor]) -> Assessment:
    """The score of recorded and detected factors — for a case (`assess`) and a lead
    (workflows.services.leads) alike."""
    factors = {RiskFactor(f) for f in recorded}
    if RiskFactor.GROUP_10 in factors | automatic:
        factors.discard(RiskFactor.GROUP_5)  # the larger group counts once, not twice
        automatic = automatic - {RiskFactor.GROUP_5}
    reasons: list[Reason] = [
        {
            "factor": f.value,
            "label": _official_label(f),
            "points": POINTS[f],
            "source": "automatic" if f in automatic else "recorded",
        }
        for f in sorted(factors | automatic, key=lambda f: (-POINTS[f], f.value))
    ]
    total = sum(r["points"] for r in reasons)
    return Assessment(score=total, level=level_for(total), reasons=reasons)
