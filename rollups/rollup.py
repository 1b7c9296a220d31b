"""Each case's contribution to the roll-up (a pure function of its row, its current follow-up
visits and whether it has a current judicial confirmation), the difference of two
contributions added in the caller's transaction (leaf rows and the region layer), and the
rebuild from the cases. The rules are the ones supervision.stats applies live; tests/supervision/test_rollup.py
checks that both agree after random sequences of changes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models

from cases.choices import AGREEMENT_OUTCOMES, OPEN_STATUSES, RiskLevel, Satisfaction
from cases.models import Case, DeadlineSettings, FollowUpVisit, JudicialConfirmation, PartyRating
from core.upsert import add_rows
from rollups.models import (
    COUNTS,
    GRAINS,
    SHARDS,
    CaseRollup,
    CaseTally,
    DayHistogram,
    RegionDays,
    RegionRollup,
)

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
    "organization_id",
)

Key = tuple[str, dt.date, int, str]
TKey = tuple[int, str, str, str]  # CaseTally: committee, leaf region, status, risk level


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
    shard: int = 0  # the region layer's shard (case id % SHARDS)
    tally: TKey | None = None  # the CaseTally row the case counts in


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
        shard=(row.pk or 0) % SHARDS,
        tally=(row.organization_id, row.region_path, status, str(row.risk_level)),
    )


def contribution_of(case: Case) -> Contribution:
    """The contribution of a saved case as the database holds its visits, confirmations and
    ratings (one query: a change reads this twice, before and after)."""
    text: models.CharField[str, str] = models.CharField()
    kind, blank = models.Value("v", output_field=text), models.Value("", output_field=text)
    visits = FollowUpVisit.objects.filter(case_id=case.pk, superseded_by__isnull=True).order_by()
    confirmations = JudicialConfirmation.objects.filter(
        case_id=case.pk, superseded_by__isnull=True
    ).order_by()
    ratings = PartyRating.objects.filter(case_id=case.pk).order_by()
    found = (
        visits.annotate(_k=kind)
        .values_list("_k", "satisfaction", "performance")
        .union(
            confirmations.annotate(
                _k=models.Value("c", output_field=text), _a=blank, _b=blank
            ).values_list("_k", "_a", "_b"),
            ratings.annotate(_k=models.Value("r", output_field=text), _b=blank).values_list(
                "_k", "satisfaction", "_b"
            ),
            all=True,
        )
    )
    rows = list(found)
    return contribution(
        case,
        [(sat, perf) for k, sat, perf in rows if k == "v"],
        any(k == "c" for k, _sat, _perf in rows),
        [sat for k, sat, _perf in rows if k == "r"],
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
    """Add `after - before` to the roll-up, leaf rows and region layer (inside the caller's
    transaction; leaf rows first, then the region layer, each in key order)."""
    if before == after:
        return
    delta: Delta = {}
    region = RegionDelta()
    closed = any(kind in TIMELY for c in (before, after) if c for (kind, _day), _n in c.days)
    conf = DeadlineSettings.current() if closed else None  # read only when it counts
    for c, sign in ((before, -1), (after, 1)):
        if c is not None:
            _add(delta, c, sign)
            region.add(c, sign, conf)
    write(delta)
    region.write()
    _write_tallies(before, after)


TALLY_KEY = ("organization_id", "region_path", "status", "risk_level", "shard")


def _write_tallies(before: Contribution | None, after: Contribution | None) -> None:
    """-1 on the row the case counted in, +1 on the one it counts in now (nothing when a change
    moved neither its committee, region, status nor risk level)."""
    changes: Counter[tuple[Any, ...]] = Counter()
    for c, sign in ((before, -1), (after, 1)):
        if c is not None and c.tally is not None:
            changes[(*c.tally, c.shard)] += sign
    add_rows(CaseTally, TALLY_KEY, ((key, {"n": n}) for key, n in changes.items()))


def _key_q(key: Key) -> dict[str, Any]:
    return dict(zip(("region_path", "month", "dispute_type", "source"), key, strict=True))


LEAF_KEY = ("region_path", "month", "dispute_type", "source")
REGION_KEY = ("grain", "region_path", "month", "dim", "value")


def write(delta: Delta) -> None:
    """The leaf rows, then their histogram rows, each added in key order."""
    rows: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    days: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for key, (counts, amount, hist) in delta.items():
        rows.append((key, {**counts, "amount_involved": amount}))
        days.extend(((*key, kind, day), {"n": n}) for (kind, day), n in hist.items())
    add_rows(CaseRollup, LEAF_KEY, rows)
    add_rows(DayHistogram, (*LEAF_KEY, "kind", "day"), days)


# --- the region layer (rollups.models.GRAINS) -------------------------------------------------
RKey = tuple[int, str, dt.date, str, str]  # grain, region path, month, dim, value
DIMS = ("", "type", "source")


def ancestor_path(path: str, depth: int) -> str:
    """The path of `path`'s ancestor at `depth` (1 = the root), or `path` when it is shallower."""
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:depth]) + "/"


def path_depth(path: str) -> int:
    return len(path.strip("/").split("/"))


TIMELY = ("intake", "mediation")  # the slack histograms closed_in_time is counted from


def closed_in_time(
    days: Iterable[tuple[tuple[str, int], int]], conf: DeadlineSettings | None
) -> int:
    """Cases closed on time under `conf`, from a contribution's intake/mediation slack (the rule
    supervision.stats applies live: outcome day ≤ registration day + intake days, or ≤ acceptance
    day + extended days + mediation days)."""
    if conf is None:  # no closed case: nothing to count
        return 0
    return sum(
        n
        for (kind, day), n in days
        if (kind == "intake" and day <= conf.intake_days)
        or (kind == "mediation" and day <= conf.mediation_days)
    )


def region_keys(key: Key) -> Iterator[RKey]:
    """The region layer's rows a leaf key counts in: each grain, each marginal."""
    path, month, dispute_type, source = key
    for grain in GRAINS:
        ancestor = ancestor_path(path, grain)
        for dim, value in zip(DIMS, ("", str(dispute_type), source), strict=True):
            yield (grain, ancestor, month, dim, value)


def _region_days(rkey: RKey, kind: str) -> bool:
    return kind == "deadline" or (kind == "close" and rkey[3] == "")


class RegionDelta:
    """A difference of contributions as region-layer rows (count rows per shard) and days."""

    def __init__(self) -> None:
        self.rows: dict[tuple[RKey, int], Counter[str]] = {}
        self.amounts: dict[tuple[RKey, int], Decimal] = {}
        self.days: Counter[tuple[RKey, str, int]] = Counter()

    def add(self, c: Contribution, sign: int, conf: DeadlineSettings | None) -> None:
        timely = closed_in_time(c.days, conf)
        for rkey in region_keys(c.key):
            counts = self.rows.setdefault((rkey, c.shard), Counter())
            for name, n in c.counts:
                counts[name] += sign * n
            if timely:
                counts["closed_in_time"] += sign * timely
            self.amounts[rkey, c.shard] = self.amounts.get((rkey, c.shard), Decimal("0")) + (
                sign * c.amount
            )
            for (kind, day), n in c.days:
                if _region_days(rkey, kind):
                    self.days[rkey, kind, day] += sign * n

    def write(self) -> None:
        add_rows(
            RegionRollup,
            (*REGION_KEY, "shard"),
            (
                ((*rkey, shard), {**counts, "amount_involved": self.amounts.get((rkey, shard), 0)})
                for (rkey, shard), counts in self.rows.items()
            ),
        )
        add_rows(
            RegionDays,
            (*REGION_KEY, "kind", "day"),
            (((*rkey, kind, day), {"n": n}) for (rkey, kind, day), n in self.days.items()),
        )


def _region_q(rkey: RKey) -> dict[str, Any]:
    return dict(zip(("grain", "region_path", "month", "dim", "value"), rkey, strict=True))


def recompute_in_time(conf: DeadlineSettings | None = None) -> None:
    """The region layer's `closed_in_time` under new DeadlineSettings, from the leaf histograms
    (called in the transaction that saves them: rollups.apps). Written to shard 0; readers sum
    the shards."""
    conf = conf or DeadlineSettings.current()
    RegionRollup.objects.exclude(closed_in_time=0).update(closed_in_time=0)
    timely = (
        DayHistogram.objects.filter(
            models.Q(kind="intake", day__lte=conf.intake_days)
            | models.Q(kind="mediation", day__lte=conf.mediation_days)
        )
        .order_by()
        .values_list("region_path", "month", "dispute_type", "source")
        .annotate(total=models.Sum("n"))
    )
    sums: Counter[RKey] = Counter()
    for path, month, dispute_type, source, total in timely:
        for rkey in region_keys((path, month, dispute_type, source)):
            sums[rkey] += total
    add_rows(
        RegionRollup,
        (*REGION_KEY, "shard"),
        (((*rkey, 0), {"closed_in_time": n}) for rkey, n in sums.items()),
    )


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


@dataclass
class Table:
    """The roll-up as rows: leaf rows and days, the region layer's rows (shards summed) and days
    (zero entries left out)."""

    rows: dict[Key, dict[str, Any]]
    days: dict[tuple[Key, str, int], int]
    region_rows: dict[RKey, dict[str, Any]]
    region_days: dict[tuple[RKey, str, int], int]
    tallies: dict[TKey, int] = field(default_factory=dict)


def computed(cases: models.QuerySet[Case] | None = None) -> Table:
    """The roll-up as the cases say it should be."""
    rows: dict[Key, dict[str, Any]] = {}
    days: Counter[tuple[Key, str, int]] = Counter()
    region = RegionDelta()
    tallies: Counter[TKey] = Counter()
    conf: DeadlineSettings | None = None  # read once there is a case (not in the first migration)
    for c in contributions(cases):
        if c.tally is not None:
            tallies[c.tally] += 1
        conf = conf or DeadlineSettings.current()
        row = rows.setdefault(c.key, {"amount_involved": Decimal("0")})
        for name, n in c.counts:
            row[name] = row.get(name, 0) + n
        row["amount_involved"] += c.amount
        for (kind, day), n in c.days:
            days[c.key, kind, day] += n
        region.add(replace(c, shard=0), 1, conf)
    region_rows = {
        rkey: dict(counts) | {"amount_involved": region.amounts.get((rkey, 0), Decimal("0"))}
        for (rkey, _shard), counts in region.rows.items()
    }
    return Table(
        _clean(rows),
        {k: n for k, n in days.items() if n},
        _clean(region_rows),
        {k: n for k, n in region.days.items() if n},
        {k: n for k, n in tallies.items() if n},
    )


REGION_COUNTS = (*COUNTS, "closed_in_time", "amount_involved")


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
    region_rows: dict[RKey, dict[str, Any]] = {}
    for r in (
        RegionRollup.objects.order_by()
        .values_list("grain", "region_path", "month", "dim", "value")
        .annotate(**{f"_{k}": models.Sum(k) for k in REGION_COUNTS})
    ):
        region_rows[(r[0], r[1], r[2], r[3], r[4])] = dict(zip(REGION_COUNTS, r[5:], strict=True))
    region_days = {
        ((r[0], r[1], r[2], r[3], r[4]), r[5], r[6]): r[7]
        for r in RegionDays.objects.exclude(n=0).values_list(
            "grain", "region_path", "month", "dim", "value", "kind", "day", "n"
        )
    }
    tallies = {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in CaseTally.objects.order_by()
        .values_list("organization_id", "region_path", "status", "risk_level")
        .annotate(total=models.Sum("n"))
        if r[4]
    }
    return Table(_clean(rows), days, _clean(region_rows), region_days, tallies)


def _clean(rows: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
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
        ("rollup", expected.rows, actual.rows),
        ("days", expected.days, actual.days),
        ("region", expected.region_rows, actual.region_rows),
        ("region days", expected.region_days, actual.region_days),
        ("tally", expected.tallies, actual.tallies),
    )
    for name, want, have in pairs:
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                found.append(f"{name} {key}: expected {want.get(key)}, stored {have.get(key)}")
                if len(found) >= limit:
                    return found
    return found


def rebuild(*, region: bool = True, tally: bool = True, sql: bool | None = None) -> int:
    """Replace the roll-up by what the cases say (call inside a transaction); the leaf row count.
    `region=False` leaves the region layer alone and `tally=False` the case tallies (the
    migrations before their tables). On PostgreSQL the database groups the cases
    (rollups/rebuild_sql.py) unless `sql=False`; elsewhere, or then, they are read into Python."""
    if sql is None:
        sql = connection.vendor == "postgresql"
    if sql:
        from rollups import rebuild_sql

        return rebuild_sql.rebuild(region=region, tally=tally)
    table = computed()
    CaseRollup.objects.all().delete()
    DayHistogram.objects.all().delete()
    CaseRollup.objects.bulk_create(
        [
            CaseRollup(region_path=k[0], month=k[1], dispute_type=k[2], source=k[3], **v)
            for k, v in table.rows.items()
        ],
        batch_size=5000,
    )
    DayHistogram.objects.bulk_create(
        [
            DayHistogram(
                region_path=k[0], month=k[1], dispute_type=k[2], source=k[3], kind=kind, day=d, n=n
            )
            for (k, kind, d), n in table.days.items()
        ],
        batch_size=5000,
    )
    if region:
        RegionRollup.objects.all().delete()
        RegionDays.objects.all().delete()
        RegionRollup.objects.bulk_create(
            [RegionRollup(**_region_q(k), shard=0, **v) for k, v in table.region_rows.items()],
            batch_size=5000,
        )
        RegionDays.objects.bulk_create(
            [
                RegionDays(**_region_q(k), kind=kind, day=d, n=n)
                for (k, kind, d), n in table.region_days.items()
            ],
            batch_size=5000,
        )
    if tally:
        CaseTally.objects.all().delete()
        CaseTally.objects.bulk_create(
            [
                CaseTally(organization_id=k[0], region_path=k[1], status=k[2], risk_level=k[3], n=n)
                for k, n in table.tallies.items()
            ],
            batch_size=5000,
        )
    return len(table.rows)


def deadline_settings_changed(sender: type, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    recompute_in_time(DeadlineSettings.current())
