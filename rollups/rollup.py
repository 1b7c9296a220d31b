"""Each case's contribution to the roll-up (a pure function of its row, its current follow-up
visits and whether it has a current judicial confirmation), the difference of two
contributions applied with F() updates in the caller's transaction, and the rebuild from the
cases. The rules are the ones supervision.stats applies live; tests/supervision/test_rollup.py
checks that both agree after random sequences of changes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F

from cases.choices import AGREEMENT_OUTCOMES, OPEN_STATUSES, RiskLevel, Satisfaction
from cases.models import Case, FollowUpVisit, JudicialConfirmation, PartyRating
from rollups.models import COUNTS, CaseRollup, DayHistogram

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
DAY0 = dt.date(2000, 1, 1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
TENTH = 8640  # seconds in a tenth of a day
HIGH_RISK = {str(RiskLevel.HIGH), str(RiskLevel.CRITICAL)}
SATISFIED = {str(Satisfaction.SATISFIED), str(Satisfaction.BASICALLY_SATISFIED)}
OPEN = {str(s) for s in OPEN_STATUSES}
AGREED = {str(o) for o in AGREEMENT_OUTCOMES}
FIELDS = (
    "region_path",
    "registered_at",
    "dispute_type_id",
    "source",
    "status",
    "outcome",
    "accepted_at",
    "outcome_at",
    "closed_at",
    "risk_level",
    "amount_involved",
    "extended_days",
    "deadline",
)

Key = tuple[str, dt.date, int, str]


def day_number(moment: dt.datetime) -> int:
    """The local (Asia/Shanghai) date of `moment` as days since 2000-01-01."""
    return (moment.astimezone(TZ).date() - DAY0).days


def whole_seconds(moment: dt.datetime) -> int:
    """Seconds since the epoch, rounded down (exact: no float)."""
    return (moment - EPOCH) // SECOND


def tenths_to_close(registered_at: dt.datetime, outcome_at: dt.datetime) -> int:
    """Days from registration to outcome in tenths, rounded half up; the 90th percentile is
    taken over these (the precision the figure is shown in)."""
    return (whole_seconds(outcome_at) - whole_seconds(registered_at) + TENTH // 2) // TENTH


@dataclass(frozen=True)
class Contribution:
    key: Key
    counts: tuple[tuple[str, int], ...]
    amount: Decimal
    days: tuple[tuple[tuple[str, int], int], ...] = field(default=())


def contribution(
    row: Any,
    visits: Iterable[tuple[str, str]] = (),
    confirmed: bool = False,
    ratings: Iterable[str] = (),
) -> Contribution:
    """What one case adds to the roll-up. `row` has the attributes of FIELDS (a Case, or a
    namespace from `.values()`); `visits` are its current visits as (satisfaction, performance);
    `ratings` the satisfaction of each party's own rating (SPEC §14)."""
    registered = row.registered_at.astimezone(TZ).date()
    key: Key = (row.region_path, registered.replace(day=1), row.dispute_type_id, row.source)
    status, outcome = str(row.status), str(row.outcome or "")
    closed, agreed = bool(outcome), outcome in AGREED
    visits = list(visits)
    due = agreed and row.closed_at is not None
    c: Counter[str] = Counter(received=1)
    days: Counter[tuple[str, int]] = Counter()
    c["accepted"] = row.accepted_at is not None
    c["closed"] = closed
    c["agreements_closed"] = due
    c["high_risk_open"] = status in OPEN and str(row.risk_level) in HIGH_RISK
    c["escalations_prevented"] = agreed and str(row.risk_level) in HIGH_RISK
    if status in OPEN:
        c[f"status_{status}"] = 1
        if row.deadline is not None:
            days["deadline", (row.deadline - DAY0).days] += 1
    if closed:
        c[f"outcome_{outcome}"] = 1
        if row.outcome_at is not None:
            c["seconds_to_close"] = whole_seconds(row.outcome_at) - whole_seconds(row.registered_at)
            days["close", tenths_to_close(row.registered_at, row.outcome_at)] += 1
            if row.accepted_at is None:
                days["intake", day_number(row.outcome_at) - day_number(row.registered_at)] += 1
            else:
                slack = day_number(row.outcome_at) - day_number(row.accepted_at) - row.extended_days
                days["mediation", slack] += 1
    c["visits"] = len(visits)
    c["visits_satisfied"] = sum(1 for sat, _perf in visits if sat in SATISFIED)
    c["agreements_visited"] = due and bool(visits)
    c["agreements_performed"] = due and any(perf == "performed" for _sat, perf in visits)
    c["judicial_confirmations"] = confirmed
    ratings = list(ratings)
    c["ratings"] = len(ratings)
    c["ratings_satisfied"] = sum(1 for sat in ratings if sat in SATISFIED)
    return Contribution(
        key=key,
        counts=tuple(sorted((k, int(v)) for k, v in c.items() if v)),
        amount=row.amount_involved or Decimal("0"),
        days=tuple(sorted(days.items())),
    )


def contribution_of(case: Case) -> Contribution:
    """The contribution of a saved case as the database holds its visits and confirmations."""
    visits = FollowUpVisit.objects.filter(case_id=case.pk, superseded_by__isnull=True)
    confirmed = JudicialConfirmation.objects.filter(
        case_id=case.pk, superseded_by__isnull=True
    ).exists()
    ratings = PartyRating.objects.filter(case_id=case.pk).values_list("satisfaction", flat=True)
    return contribution(
        case, visits.values_list("satisfaction", "performance"), confirmed, list(ratings)
    )


# --- applying differences -------------------------------------------------------------------
Delta = dict[Key, tuple[Counter[str], Decimal, Counter[tuple[str, int]]]]


def _add(delta: Delta, c: Contribution, sign: int) -> None:
    counts, amount, days = delta.setdefault(c.key, (Counter(), Decimal("0"), Counter()))
    for name, n in c.counts:
        counts[name] += sign * n
    for kd, n in c.days:
        days[kd] += sign * n
    delta[c.key] = (counts, amount + sign * c.amount, days)


def apply(before: Contribution | None, after: Contribution | None) -> None:
    """Add `after - before` to the roll-up (inside the caller's transaction)."""
    if before == after:
        return
    delta: Delta = {}
    if before is not None:
        _add(delta, before, -1)
    if after is not None:
        _add(delta, after, 1)
    write(delta)


def _key_q(key: Key) -> dict[str, Any]:
    return dict(zip(("region_path", "month", "dispute_type", "source"), key, strict=True))


def write(delta: Delta) -> None:
    """Rows are updated in one global order (key, then its histogram rows by kind and day), so
    two transactions touching the same rows wait for each other and never deadlock."""
    for key in sorted(delta):
        counts, amount, days = delta[key]
        changes: dict[str, Any] = {k: F(k) + v for k, v in counts.items() if v}
        if amount:
            changes["amount_involved"] = F("amount_involved") + amount
        if changes:
            _upsert(CaseRollup, _key_q(key), changes)
        for (kind, day), n in sorted(days.items()):
            if n:
                _upsert(DayHistogram, _key_q(key) | {"kind": kind, "day": day}, {"n": F("n") + n})


def _upsert(model: type[models.Model], key: dict[str, Any], changes: dict[str, Any]) -> None:
    manager = model._default_manager
    if not manager.filter(**key).update(**changes):
        manager.bulk_create([model(**key)], ignore_conflicts=True)  # or another one did
        manager.filter(**key).update(**changes)


# --- rebuild ----------------------------------------------------------------------------------
class _Row:
    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)


def contributions(cases: models.QuerySet[Case] | None = None) -> Iterator[Contribution]:
    """Every case's contribution, read in batches."""
    cases = Case.objects.all() if cases is None else cases
    last = 0
    while True:
        batch = list(cases.filter(pk__gt=last).order_by("pk").values("pk", *FIELDS)[:20000])
        if not batch:
            return
        pks = [r["pk"] for r in batch]
        last = pks[-1]
        visits: dict[int, list[tuple[str, str]]] = {}
        for case_id, sat, perf in FollowUpVisit.objects.filter(
            case_id__in=pks, superseded_by__isnull=True
        ).values_list("case_id", "satisfaction", "performance"):
            visits.setdefault(case_id, []).append((sat, perf))
        confirmed = set(
            JudicialConfirmation.objects.filter(
                case_id__in=pks, superseded_by__isnull=True
            ).values_list("case_id", flat=True)
        )
        ratings: dict[int, list[str]] = {}
        for case_id, sat in PartyRating.objects.filter(case_id__in=pks).values_list(
            "case_id", "satisfaction"
        ):
            ratings.setdefault(case_id, []).append(sat)
        for r in batch:
            yield contribution(
                _Row(r), visits.get(r["pk"], ()), r["pk"] in confirmed, ratings.get(r["pk"], ())
            )


Table = tuple[dict[Key, dict[str, Any]], dict[tuple[Key, str, int], int]]


def computed(cases: models.QuerySet[Case] | None = None) -> Table:
    """The roll-up as the cases say it should be (zero entries left out)."""
    rows: dict[Key, dict[str, Any]] = {}
    days: Counter[tuple[Key, str, int]] = Counter()
    for c in contributions(cases):
        row = rows.setdefault(c.key, {"amount_involved": Decimal("0")})
        for name, n in c.counts:
            row[name] = row.get(name, 0) + n
        row["amount_involved"] += c.amount
        for (kind, day), n in c.days:
            days[c.key, kind, day] += n
    return _clean(rows), {k: n for k, n in days.items() if n}


def stored() -> Table:
    rows: dict[Key, dict[str, Any]] = {}
    names = (*COUNTS, "amount_involved")
    for r in CaseRollup.objects.values_list(
        "region_path", "month", "dispute_type", "source", *names
    ):
        key: Key = (r[0], r[1], r[2], r[3])
        rows[key] = dict(zip(names, r[4:], strict=True))
    days = {
        ((r[0], r[1], r[2], r[3]), r[4], r[5]): r[6]
        for r in DayHistogram.objects.exclude(n=0).values_list(
            "region_path", "month", "dispute_type", "source", "kind", "day", "n"
        )
    }
    return _clean(rows), days


def _clean(rows: dict[Key, dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    result = {}
    for key, row in rows.items():
        kept = {k: v for k, v in row.items() if v}
        if kept:
            result[key] = kept
    return result


def differences(expected: Table, actual: Table, limit: int = 10) -> list[str]:
    """The first `limit` differences between two tables, as lines to print."""
    found: list[str] = []
    pairs: tuple[tuple[str, dict[Any, Any], dict[Any, Any]], ...] = (
        ("rollup", expected[0], actual[0]),
        ("days", expected[1], actual[1]),
    )
    for name, want, have in pairs:
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                found.append(f"{name} {key}: expected {want.get(key)}, stored {have.get(key)}")
                if len(found) >= limit:
                    return found
    return found


def rebuild() -> int:
    """Replace the roll-up by what the cases say (call inside a transaction); the row count."""
    rows, days = computed()
    CaseRollup.objects.all().delete()
    DayHistogram.objects.all().delete()
    CaseRollup.objects.bulk_create(
        [
            CaseRollup(region_path=k[0], month=k[1], dispute_type=k[2], source=k[3], **v)
            for k, v in rows.items()
        ],
        batch_size=5000,
    )
    DayHistogram.objects.bulk_create(
        [
            DayHistogram(
                region_path=k[0], month=k[1], dispute_type=k[2], source=k[3], kind=kind, day=d, n=n
            )
            for (k, kind, d), n in days.items()
        ],
        batch_size=5000,
    )
    return len(rows)
