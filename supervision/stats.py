"""The figures of SPEC §7, computed in the database. One implementation with several outputs:
the dashboard, the statistics table and its .xlsx/PDF exports, the ranking and
GET /api/v1/stats/summary/ all read what this module returns.

A `Selection` is (user, region, period). Its cohort is the cases the user may see
(`cases.scope.case_scope_q`, the one visibility rule) whose `region_path` lies in the region's
subtree and whose registration date (Asia/Shanghai) lies in the period, both ends included.
Every figure describes that cohort as it stands now:

- received: cases registered; accepted: of these, accepted (`accepted_at` set); declined:
  outcome 不予受理.
- open_by_status: cases in each open state; closed_by_outcome: cases with each outcome
  ("closed" = an outcome is recorded; a reopened case has none until its new outcome).
- success_rate = agreements (written + oral) ÷ (agreements + failed).
- performance_rate = agreement cases whose follow-up visits recorded 已履行 ÷ agreement cases
  visited (of those closed by approval); follow_up_rate = agreement cases visited ÷ agreement
  cases closed by approval; satisfaction_rate = visits (满意 + 基本满意) ÷ visits. Only current
  (not superseded) visits count. party_satisfaction_rate = the parties' own ratings (满意 +
  基本满意) ÷ ratings (SPEC §14 评价, given on their phones after a visit), shown beside it.
- timeliness_rate = closed cases whose outcome came on or before the deadline ÷ (closed cases +
  open cases already past their deadline, `overdue_open`): an open case past its deadline can
  only be closed late, so it counts as late now. The deadline of a closed case is the intake
  deadline (registration + intake days) for cases closed without acceptance, the mediation
  deadline (acceptance + mediation days + extensions) otherwise, with today's DeadlineSettings.
- avg/p90 days to close: registration → outcome, in days.
- overdue_open (workflows.deadlines.overdue_q), high_risk_open (open, risk high or critical),
  escalations_prevented (risk high or critical and an agreement), judicial_confirmations (cases
  with a judicial confirmation on record), amount_involved (sum).

Counts and sums are conditional aggregates (COUNT … FILTER (WHERE …)); rates are derived from
them afterwards, so group rows can be added up (child regions) before rates are taken. On
PostgreSQL the totals and every breakdown are one GROUP BY GROUPING SETS query — one pass over the
cohort — and the 90th percentile is percentile_cont; elsewhere each breakdown is its own query
and the percentile reads the two ordered rows around its position. Nothing is precomputed, so no
figure can go stale when a case changes.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Expression,
    F,
    Field,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext as _

from cases.choices import (
    AGREEMENT_OUTCOMES,
    OPEN_STATUSES,
    Outcome,
    RiskLevel,
    Role,
    Satisfaction,
    Source,
)
from cases.models import (
    Case,
    DeadlineSettings,
    DisputeType,
    FollowUpVisit,
    JudicialConfirmation,
    PartyRating,
    Region,
    SupervisionNotice,
)
from cases.scope import Viewer, case_scope_q, is_admin, memberships
from rollups import rollup
from rollups.models import GRAINS, CaseRollup, DayHistogram, RegionDays, RegionRollup
from workflows import deadlines, lead_selectors

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
HIGH_RISK = (RiskLevel.HIGH, RiskLevel.CRITICAL)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
CLOSED = ~Q(outcome="")
AGREED = Q(outcome__in=AGREEMENT_OUTCOMES)
OPEN = [str(s) for s in OPEN_STATUSES]
OUTCOMES = list(Outcome.values)
LOCAL_ROOT = "local"  # the by_child_region key of cases located in the region itself


@dataclass(frozen=True)
class Selection:
    user: Viewer
    region: Region
    date_from: dt.date
    date_to: dt.date

    def q(self, prefix: str = "") -> Q:
        """The cohort as a filter; `prefix` ("case__") applies it to a model with a case FK."""
        start = dt.datetime.combine(self.date_from, dt.time.min, TZ)
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, TZ)
        q = case_scope_q(self.user) & Q(
            region_path__startswith=self.region.path,
            registered_at__gte=start,
            registered_at__lt=end,
        )
        if not prefix:
            return q
        try:
            return prefixed(q, prefix)
        except TypeError:  # a scope rule with an expression: filter by the cases themselves
            return Q(**{f"{prefix}in": Case.objects.filter(q).values("pk")})

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(self.q())

    def visits(self) -> QuerySet[FollowUpVisit]:
        return FollowUpVisit.objects.filter(self.q("case__"), superseded_by__isnull=True)

    def confirmations(self) -> QuerySet[JudicialConfirmation]:
        return JudicialConfirmation.objects.filter(self.q("case__"), superseded_by__isnull=True)

    def ratings(self) -> QuerySet[PartyRating]:
        return PartyRating.objects.filter(self.q("case__"))


def prefixed(q: Q, prefix: str) -> Q:
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(prefixed(child, prefix))
        elif isinstance(child, tuple):
            clone.children.append((prefix + child[0], child[1]))
        else:  # an expression cannot be re-rooted; the scope rule uses plain lookups only
            raise TypeError(f"cannot prefix {child!r}")
    return clone


# --- SQL pieces ---------------------------------------------------------------------------
class LocalDay(Func):
    """The local (Asia/Shanghai) date of a timestamp as a day number, so that "on or before the
    deadline" is an integer comparison on both databases."""

    output_field = IntegerField()

    def __init__(self, field: str):
        super().__init__(TruncDate(field, tzinfo=TZ))

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: date - date is integer days
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - DATE '2000-01-01')", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2451544.5 AS INTEGER)", params


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont (continuous, as spreadsheets do)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class SecondsToClose(Func):
    """Whole seconds from registration to outcome (each timestamp rounded down to the second):
    an integer, so sums are exact and the roll-up (rollups.rollup.whole_seconds) agrees."""

    output_field = IntegerField()

    def __init__(self) -> None:
        super().__init__(F("outcome_at"), F("registered_at"))

    def _sides(self, compiler):
        end, p1 = compiler.compile(self.source_expressions[0])
        start, p2 = compiler.compile(self.source_expressions[1])
        return end, start, (*p1, *p2)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        end, start, params = self._sides(compiler)
        return (
            f"(floor(extract(epoch from {end}))::bigint"
            f" - floor(extract(epoch from {start}))::bigint)"
        ), params

    def as_sqlite(self, compiler, connection, **extra):
        end, start, params = self._sides(compiler)
        return (
            f"(CAST(strftime('%%s', {end}) AS INTEGER) - CAST(strftime('%%s', {start}) AS INTEGER))"
        ), params


class TenthsToClose(Func):
    """Days to close in tenths of a day, rounded half up, as days (45.2): the values the 90th
    percentile is taken over — the precision it is shown in, and the roll-up's histogram unit
    (rollups.rollup.tenths_to_close)."""

    output_field = FloatField()

    def __init__(self) -> None:
        super().__init__(SecondsToClose())

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(floor(({sql} + 4320) / 8640.0) / 10.0)::double precision", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"((({sql} + 4320) / 8640) / 10.0)", params


DAYS_TO_CLOSE = TenthsToClose()


class _Key(Func):
    """A selected column that GROUPING SETS groups by: Django must not also add it to a plain
    GROUP BY list."""

    template = "%(expressions)s"

    def get_group_by_cols(self):
        return []


class _GroupingSets(Expression):
    """GROUP BY GROUPING SETS ((), (a), (b), …): every breakdown and the totals in one pass."""

    def __init__(self, keys: list):
        super().__init__(output_field=Field())  # a clause, not a value; Django asks for a field
        self.keys = keys

    def get_source_expressions(self):
        return list(self.keys)

    def set_source_expressions(self, exprs):
        self.keys = list(exprs)

    def as_sql(self, compiler, connection):
        parts, params = ["()"], []
        for key in self.keys:
            sql, key_params = compiler.compile(key)
            parts.append(f"({sql})")
            params.extend(key_params)
        return f"GROUPING SETS ({', '.join(parts)})", params


# The breakdowns, as expressions on a model with (prefix "case__") or without a case FK.
DIMENSIONS = {
    "dispute_type": lambda p: F(f"{p}dispute_type_id"),
    "source": lambda p: F(f"{p}source"),
    "region": lambda p: F(f"{p}region_path"),
    "month": lambda p: TruncMonth(f"{p}registered_at", tzinfo=TZ),
}


def counts_by(queryset: QuerySet, aggregates: dict, dimensions=(), prefix: str = ""):
    """(totals, {dimension: {key: counts}}). On PostgreSQL one GROUPING SETS query — one pass
    over the cohort for the totals and every breakdown; elsewhere one query per dimension."""
    queryset = queryset.order_by()
    dims = {name: DIMENSIONS[name] for name in dimensions}
    if not dims:
        return queryset.aggregate(**aggregates), {}
    if connection.vendor != "postgresql":
        groups = {
            name: {
                row.pop("_key"): row
                for row in queryset.values(_key=dim(prefix)).annotate(**aggregates)
            }
            for name, dim in dims.items()
        }
        return queryset.aggregate(**aggregates), groups
    keys = {f"_key_{name}": _Key(dim(prefix)) for name, dim in dims.items()}
    grouped = queryset.values(**keys).annotate(**aggregates)
    grouped.query.group_by = (
        _GroupingSets([grouped.query.annotations[k].source_expressions[0] for k in keys]),
    )
    totals, groups = None, {name: {} for name in dims}
    for row in grouped:
        found = [(name, row.pop(f"_key_{name}")) for name in dims]
        found = [(name, key) for name, key in found if key is not None]
        if found:  # the keys are never NULL, so the one set key names the breakdown
            groups[found[0][0]][found[0][1]] = row
        else:
            totals = row
    return totals, groups


def case_aggregates(today: dt.date, conf: DeadlineSettings) -> dict:
    """Counts over cases; nothing here is a rate (rates come from sums of these)."""
    outcome_day = LocalDay("outcome_at")
    in_time = CLOSED & (
        Q(accepted_at__isnull=True)
        & Q(LessThanOrEqual(outcome_day, LocalDay("registered_at") + conf.intake_days))
        | Q(accepted_at__isnull=False)
        & Q(
            LessThanOrEqual(
                outcome_day, LocalDay("accepted_at") + F("extended_days") + conf.mediation_days
            )
        )
    )
    aggs = {
        "received": Count("pk"),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "closed": Count("pk", filter=CLOSED),
        "closed_in_time": Count("pk", filter=in_time),
        "agreements_closed": Count("pk", filter=AGREED & Q(closed_at__isnull=False)),
        "overdue_open": Count("pk", filter=deadlines.overdue_q(today)),
        "high_risk_open": Count("pk", filter=Q(status__in=OPEN, risk_level__in=HIGH_RISK)),
        "escalations_prevented": Count("pk", filter=AGREED & Q(risk_level__in=HIGH_RISK)),
        "amount_involved": Sum("amount_involved"),
        "seconds_to_close": Sum(SecondsToClose(), filter=CLOSED),
    }
    aggs |= {f"status:{s}": Count("pk", filter=Q(status=s)) for s in OPEN}
    aggs |= {f"outcome:{o}": Count("pk", filter=Q(outcome=o)) for o in OUTCOMES}
    return aggs


def visit_aggregates() -> dict:
    due = Q(case__outcome__in=AGREEMENT_OUTCOMES, case__closed_at__isnull=False)
    return {
        "visits": Count("pk"),
        "visits_satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED)),
        "agreements_visited": Count("case_id", distinct=True, filter=due),
        "agreements_performed": Count(
            "case_id", distinct=True, filter=due & Q(performance="performed")
        ),
    }


def confirmation_aggregates() -> dict:
    return {"judicial_confirmations": Count("case_id", distinct=True)}


def rating_aggregates() -> dict:
    return {
        "ratings": Count("pk"),
        "ratings_satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED)),
    }


CASE_KEYS = (
    "received",
    "accepted",
    "closed",
    "closed_in_time",
    "agreements_closed",
    "overdue_open",
    "high_risk_open",
    "escalations_prevented",
    "seconds_to_close",
    *(f"status:{s}" for s in OPEN),
    *(f"outcome:{o}" for o in OUTCOMES),
)
VISIT_KEYS = ("visits", "visits_satisfied", "agreements_visited", "agreements_performed")
RATING_KEYS = ("ratings", "ratings_satisfied")


def zero() -> dict:
    keys = CASE_KEYS + VISIT_KEYS + RATING_KEYS + ("judicial_confirmations",)
    return dict.fromkeys(keys, 0) | {"amount_involved": None}


# --- from counts to figures ---------------------------------------------------------------
def rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def derive(counts: dict) -> dict:
    """Figures from one row of counts (cases, visits and confirmations merged). `parts` keeps
    each rate's numerator and denominator: the pages show what a rate is made of."""
    c = zero() | counts
    agreements = c["outcome:agreement_written"] + c["outcome:agreement_oral"]
    failed = c["outcome:failed"]
    parts = {
        "success_rate": (agreements, agreements + failed),
        "performance_rate": (c["agreements_performed"], c["agreements_visited"]),
        "follow_up_rate": (c["agreements_visited"], c["agreements_closed"]),
        "satisfaction_rate": (c["visits_satisfied"], c["visits"]),
        # the parties' own ratings on their phones (SPEC §14), beside the visitor's record
        "party_satisfaction_rate": (c["ratings_satisfied"], c["ratings"]),
        # open cases already past their deadline are late too: leaving them out would show
        # 100 % for a region whose only late cases are still open
        "timeliness_rate": (c["closed_in_time"], c["closed"] + c["overdue_open"]),
    }
    figures = {
        "received": c["received"],
        "accepted": c["accepted"],
        "declined": c["outcome:declined"],
        "open_by_status": {s: c[f"status:{s}"] for s in OPEN},
        "closed_by_outcome": {o: c[f"outcome:{o}"] for o in OUTCOMES},
        "closed": c["closed"],
        "open": sum(c[f"status:{s}"] for s in OPEN),
        "agreements": agreements,
        "failed": failed,
        "avg_days_to_close": round(c["seconds_to_close"] / 86400 / c["closed"], 1)
        if c["closed"] and c["seconds_to_close"] is not None
        else None,
        "overdue_open": c["overdue_open"],
        "high_risk_open": c["high_risk_open"],
        "escalations_prevented": c["escalations_prevented"],
        "judicial_confirmations": c["judicial_confirmations"],
        "amount_involved": (c["amount_involved"] or Decimal("0")).quantize(Decimal("0.01")),
        "visits": c["visits"],
        "ratings": c["ratings"],
        "parts": parts,
    }
    figures |= {name: rate(num, den) for name, (num, den) in parts.items()}
    return figures


def _add(into: dict, row: dict) -> None:
    for key, value in row.items():
        if value is not None:
            into[key] = value if into.get(key) is None else into[key] + value


# --- the figures --------------------------------------------------------------------------
def counts(sel: Selection, dimensions=(), *, full: bool = False, today: dt.date | None = None):
    """(totals, {dimension: {key: counts}}) of cases, with the visits and confirmations merged
    in: for the totals always, per breakdown when `full` (the statistics table, the ranking)."""
    today = today or deadlines.today()
    totals, groups = counts_by(
        sel.cases(), case_aggregates(today, DeadlineSettings.current()), dimensions
    )
    extra = dimensions if full else ()
    for queryset, aggregates in (
        (sel.visits(), visit_aggregates()),
        (sel.confirmations(), confirmation_aggregates()),
        (sel.ratings(), rating_aggregates()),
    ):
        more_totals, more_groups = counts_by(queryset, aggregates, extra, prefix="case__")
        totals |= more_totals
        for name, rows in more_groups.items():
            for key, row in rows.items():
                groups[name].setdefault(key, {}).update(row)
    return totals, groups


def summary(sel: Selection, *, today: dt.date | None = None, source: str = "auto") -> dict:
    """Every figure of SPEC §7 for the selection (the SPEC §9 summary), the breakdowns and the
    monthly trend. `source`: "live" (from the cases), "rollup" (from the roll-up; the selection
    must allow it, `rollup_allowed`) or "auto" — the roll-up for a city or a wider region when
    it is allowed, live otherwise. Both give the same answer (tests/supervision/test_rollup.py)."""
    if use_rollup(sel, source):
        totals, groups = rollup_counts(sel, tuple(DIMENSIONS), today=today)
        figures = derive(totals)
        figures["p90_days_to_close"] = rollup_p90(sel)
    else:
        totals, groups = counts(sel, tuple(DIMENSIONS), today=today)
        figures = derive(totals)
        figures["p90_days_to_close"] = p90_days_to_close(sel, figures["closed"])
    figures["by_dispute_type"] = _by_dispute_type(groups["dispute_type"])
    figures["by_source"] = _by_source(groups["source"])
    figures["by_child_region"] = _by_child_region(sel, groups["region"])
    figures["monthly"] = _monthly(sel, groups["month"])
    return figures


# --- the roll-up (SPEC §16) ------------------------------------------------------------------
ROLLUP_DIMENSIONS = {
    "dispute_type": "dispute_type",
    "source": "source",
    "region": "region_path",
    "month": "month",
}


def rollup_allowed(sel: Selection) -> bool:
    """The roll-up answers for whole months of registration over a region subtree the user sees
    entirely: the period starts on a month's first day and ends on its last (or today or
    later, as nothing is registered after today), and the user is an admin or supervises the
    region or one above it."""
    start, end = sel.date_from, sel.date_to
    month_end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if start.day != 1 or (end != month_end and end < deadlines.today()):
        return False
    if is_admin(sel.user):
        return True
    if not isinstance(sel.user, User) or not sel.user.is_authenticated:
        return False
    return any(
        m.role == Role.SUPERVISOR
        and m.region is not None
        and sel.region.path.startswith(m.region.path)
        for m in memberships(sel.user)
    )


def use_rollup(sel: Selection, source: str) -> bool:
    if source == "live":
        return False
    if source == "rollup":
        if not rollup_allowed(sel):
            raise ValueError("the roll-up does not answer for this selection")
        return True
    # "auto": the roll-up where its region layer answers every breakdown (the region and its
    # children at grains: a few rows a month, however many cases), live below (a county of a
    # province, a township: the live query over its cases is fast, and the leaf rows are not)
    if not settings.TIAOJIE_STATS_ROLLUP_READS:
        return False
    return rollup.path_depth(sel.region.path) + 1 in GRAINS and rollup_allowed(sel)


def _rollup_filter(sel: Selection) -> Q:
    return Q(
        region_path__startswith=sel.region.path,
        month__gte=sel.date_from.replace(day=1),
        month__lte=sel.date_to.replace(day=1),
    )


def rollup_aggregates() -> dict:
    aggs = {k: Sum(k) for k in ROLLUP_CASE_KEYS}
    aggs |= {f"status:{s}": Sum(f"status_{s}") for s in OPEN}
    aggs |= {f"outcome:{o}": Sum(f"outcome_{o}") for o in OUTCOMES}
    aggs["amount_involved"] = Sum("amount_involved")
    return aggs


ROLLUP_CASE_KEYS = (
    "received",
    "accepted",
    "closed",
    "agreements_closed",
    "high_risk_open",
    "escalations_prevented",
    "seconds_to_close",
)
ROLLUP_EXTRA_KEYS = (*VISIT_KEYS, *RATING_KEYS, "judicial_confirmations")


def day_aggregates(today: dt.date, conf: DeadlineSettings) -> dict:
    in_time = Q(kind="intake", day__lte=conf.intake_days) | Q(
        kind="mediation", day__lte=conf.mediation_days
    )
    return {
        "closed_in_time": Sum("n", filter=in_time),
        "overdue_open": Sum("n", filter=Q(kind="deadline", day__lt=(today - rollup.DAY0).days)),
    }


def _zeroed(row: dict, full: bool) -> dict:
    row = {k: (v if v is not None or k == "amount_involved" else 0) for k, v in row.items()}
    if not full:
        for key in ROLLUP_EXTRA_KEYS:
            row.pop(key, None)
    return row


def rollup_counts(
    sel: Selection, dimensions=(), *, full: bool = False, today: dt.date | None = None
):
    """`counts` read from the roll-up: the same (totals, groups). From the region layer when
    the region is at one of its grains (a city, province or root: tens of rows a month), from
    the leaf rows otherwise."""
    today = today or deadlines.today()
    if rollup.path_depth(sel.region.path) in GRAINS:
        return region_layer_counts(sel, dimensions, full=full, today=today)
    return leaf_counts(sel, dimensions, full=full, today=today)


def leaf_counts(sel: Selection, dimensions=(), *, full: bool, today: dt.date):
    where = _rollup_filter(sel)
    rows = CaseRollup.objects.filter(where).order_by()
    days = DayHistogram.objects.filter(where, kind__in=["intake", "mediation", "deadline"])
    days = days.order_by()
    aggs = rollup_aggregates() | {k: Sum(k) for k in ROLLUP_EXTRA_KEYS}
    day_aggs = day_aggregates(today, DeadlineSettings.current())
    totals = _zeroed(rows.aggregate(**aggs) | days.aggregate(**day_aggs), True)
    groups: dict[str, dict] = {}
    for name in dimensions:
        column = ROLLUP_DIMENSIONS[name]
        found = {r.pop("_key"): r for r in rows.values(_key=F(column)).annotate(**aggs)}
        for r in days.values(_key=F(column)).annotate(**day_aggs):
            found.setdefault(r.pop("_key"), {}).update(r)
        groups[name] = {
            key: _zeroed(r, full) for key, r in found.items() if (r.get("received") or 0) > 0
        }
    return totals, groups


# the region layer's marginal (dim) that answers each breakdown, and how its key reads
REGION_DIMS = {"dispute_type": "type", "source": "source", "month": "", "region": ""}


def _region_rows(sel: Selection, grain: int, today: dt.date, *, subtree: bool, dims, by):
    """Sums of the region layer at `grain` for the selection's months, grouped by `by`, each
    with `overdue_open` (open cases past their deadline today) merged in."""
    months = Q(month__gte=sel.date_from.replace(day=1), month__lte=sel.date_to.replace(day=1))
    where = Q(grain=grain, dim__in=dims) & months
    where &= (
        Q(region_path__startswith=sel.region.path) if subtree else Q(region_path=sel.region.path)
    )
    aggs = rollup_aggregates() | {k: Sum(k) for k in (*ROLLUP_EXTRA_KEYS, "closed_in_time")}
    found = {
        tuple(r.pop(k) for k in by): r
        for r in RegionRollup.objects.filter(where).order_by().values(*by).annotate(**aggs)
    }
    overdue = (
        RegionDays.objects.filter(where, kind="deadline", day__lt=(today - rollup.DAY0).days)
        .order_by()
        .values(*by)
        .annotate(overdue_open=Sum("n"))
    )
    for r in overdue:
        found.setdefault(tuple(r.pop(k) for k in by), {}).update(r)
    return found


def region_layer_counts(sel: Selection, dimensions=(), *, full: bool, today: dt.date):
    """Totals, type, source and month from the region's own rows at its depth; the child
    regions from their rows one grain down (or the leaf rows below the last grain)."""
    depth = rollup.path_depth(sel.region.path)
    own = _region_rows(
        sel, depth, today, subtree=False, dims=("", "type", "source"), by=("dim", "value", "month")
    )
    totals: dict = {}
    groups: dict[str, dict] = {name: {} for name in dimensions}
    for (dim, value, month), row in own.items():
        if dim == "":
            _add(totals, row)
            if "month" in groups:
                _add(groups["month"].setdefault(month, {}), row)
        elif dim == "type" and "dispute_type" in groups:
            _add(groups["dispute_type"].setdefault(int(value), {}), row)
        elif dim == "source" and "source" in groups:
            _add(groups["source"].setdefault(value, {}), row)
    if "region" in groups:
        if depth + 1 in GRAINS:
            below = _region_rows(
                sel, depth + 1, today, subtree=True, dims=("",), by=("region_path",)
            )
            groups["region"] = {path: row for (path,), row in below.items()}
        else:
            groups["region"] = leaf_counts(sel, ("region",), full=full, today=today)[1]["region"]
    totals = _zeroed(totals, True)
    for name in groups:
        groups[name] = {
            key: _zeroed(r, full) for key, r in groups[name].items() if (r.get("received") or 0) > 0
        }
    return totals, groups


def rollup_p90(sel: Selection) -> float | None:
    """percentile_cont(0.9) over the histogram of tenths of a day to close (the region's own
    rows of the region layer when it has them)."""
    depth = rollup.path_depth(sel.region.path)
    source: QuerySet[RegionDays] | QuerySet[DayHistogram]
    if depth in GRAINS:
        months = Q(month__gte=sel.date_from.replace(day=1), month__lte=sel.date_to.replace(day=1))
        source = RegionDays.objects.filter(
            months, grain=depth, region_path=sel.region.path, dim="", kind="close"
        )
    else:
        source = DayHistogram.objects.filter(_rollup_filter(sel), kind="close")
    hist = list(
        source.order_by()
        .values("day")
        .annotate(count=Sum("n"))
        .filter(count__gt=0)
        .order_by("day")
        .values_list("day", "count")
    )
    n = sum(count for _day, count in hist)
    if not n:
        return None
    position = 0.9 * (n - 1)
    low = math.floor(position)
    values: list[float] = []
    seen = 0
    for day, count in hist:
        while len(values) < 2 and seen + count > low + len(values):
            values.append(day / 10.0)
        seen += count
        if len(values) == 2:
            break
    value = (
        values[0] if len(values) == 1 else values[0] + (values[1] - values[0]) * (position - low)
    )
    return round(value, 1)


def p90_days_to_close(sel: Selection, closed: int) -> float | None:
    if connection.vendor == "postgresql":
        value = sel.cases().filter(CLOSED).aggregate(p90=Percentile(DAYS_TO_CLOSE, 0.9))["p90"]
    else:
        value = _percentile_fallback(sel, 0.9, closed)
    return None if value is None else round(value, 1)


def _percentile_fallback(sel: Selection, fraction: float, n: int) -> float | None:
    """percentile_cont without the aggregate: the two values around the position, by the
    database's ORDER BY/OFFSET (two rows read, not the cohort)."""
    if not n:
        return None
    position = fraction * (n - 1)
    low = math.floor(position)
    values = list(
        sel.cases()
        .filter(CLOSED)
        .annotate(days=DAYS_TO_CLOSE)
        .order_by("days")
        .values_list("days", flat=True)[low : low + 2]
    )
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (position - low)


def _by_dispute_type(rows: dict) -> list[dict]:
    """One row per dispute type code, so figures stay comparable across taxonomy versions; the
    current list first, in its order."""
    types = DisputeType.objects.filter(Q(taxonomy__is_current=True) | Q(pk__in=list(rows)))
    by_code: dict[str, dict] = {}
    for dtype in types.order_by("-taxonomy__is_current", "order", "pk"):
        entry = by_code.setdefault(
            dtype.code, {"code": dtype.code, "name": dtype.name, "counts": zero()}
        )
        if dtype.pk in rows:
            _add(entry["counts"], rows[dtype.pk])
    return [{"code": e["code"], "name": e["name"]} | derive(e["counts"]) for e in by_code.values()]


def _by_source(rows: dict) -> list[dict]:
    return [
        {"source": value, "name": str(label)} | derive(rows.get(value, {}))
        for value, label in Source.choices
    ]


def child_of(path: str, parent_path: str) -> str:
    """The id (as text) of the child of `parent_path` that `path` lies under, or LOCAL_ROOT."""
    rest = path[len(parent_path) :]
    return rest.split("/", 1)[0] if rest else LOCAL_ROOT


def _by_child_region(sel: Selection, rows: dict) -> list[dict]:
    """One row per child region of the selected region, and one for cases located in the
    region itself if there are any. The database groups by `region_path`; the group rows (one
    per region that has cases) are added up per child here."""
    children = list(Region.objects.filter(parent=sel.region).order_by("path"))
    counts_ = {str(child.pk): zero() for child in children}
    for path, row in rows.items():
        _add(counts_.setdefault(child_of(path, sel.region.path), zero()), row)
    result = [
        {"id": child.pk, "name": child.name, "full_name": child.full_name}
        | derive(counts_[str(child.pk)])
        for child in children
    ]
    if LOCAL_ROOT in counts_:
        own = sel.region
        result.append(
            {"id": own.pk, "name": _("%(name)s（本级）") % {"name": own.name}}
            | {"full_name": own.full_name}
            | derive(counts_[LOCAL_ROOT])
        )
    return result


MIN_RATE_BASE = 5  # a month's success rate on fewer cases is shown as its counts ("2/3")


def _monthly(sel: Selection, rows: dict) -> list[dict]:
    """Registrations per month of the period, with how many of them are closed and agreed.
    `rate_base` is the success rate's denominator (agreements + failed); below MIN_RATE_BASE the
    rate is not shown as a percentage (`rate_shown` false): the table gives the counts and the
    chart leaves the month out of the line, so one case cannot draw a 0 % or 100 % spike."""
    found = {_month_key(key): derive(row) for key, row in rows.items()}
    empty = derive({})
    return [
        {
            "month": month,
            "received": f["received"],
            "closed": f["closed"],
            "agreements": f["agreements"],
            "failed": f["failed"],
            "success_rate": f["success_rate"],
            "rate_base": f["parts"]["success_rate"][1],
            "rate_shown": f["parts"]["success_rate"][1] >= MIN_RATE_BASE,
        }
        for month in months_between(sel.date_from, sel.date_to)
        for f in [found.get(month, empty)]
    ]


def _month_key(value) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo:
        value = value.astimezone(TZ)
    return f"{value.year:04d}-{value.month:02d}"


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def overdue_cases(sel: Selection, *, limit: int = 20, today: dt.date | None = None) -> list[Case]:
    """The first `limit` open cases past their deadline, the most overdue first (read in the
    order of `sup_case_open_deadline_order_idx`: a city's 60,000 overdue cases are not sorted
    to show 20)."""
    return _with_notices(
        sel.cases()
        .filter(deadlines.overdue_q(today))
        .select_related("organization", "region", "dispute_type")
        .order_by("deadline", "id")[:limit]
    )


def high_risk_cases(sel: Selection, *, limit: int = 20) -> list[Case]:
    return _with_notices(
        sel.cases()
        .filter(status__in=OPEN, risk_level__in=HIGH_RISK)
        .select_related("organization", "region", "dispute_type")
        .order_by("-risk_score", "registered_at", "id")[:limit]
    )


def _with_notices(cases: QuerySet[Case]) -> list[Case]:
    """The cases, each with `supervised`: how many 督办 notices it has (counted for these
    cases only, not grouped over every candidate before the limit)."""
    found = list(cases)
    counts = dict(
        SupervisionNotice.objects.filter(case__in=[c.pk for c in found])
        .order_by()
        .values_list("case")
        .annotate(n=Count("id"))
    )
    for case in found:
        case.supervised = counts.get(case.pk, 0)  # type: ignore[attr-defined]
    return found


def dashboard(
    sel: Selection, *, today: dt.date | None = None, list_size: int = 20, source: str = "auto"
) -> dict:
    """Everything the dashboard page shows."""
    today = today or deadlines.today()
    figures = summary(sel, today=today, source=source)
    return {
        "summary": figures,
        "monthly": figures["monthly"],
        "overdue": list(overdue_cases(sel, limit=list_size, today=today)),
        "high_risk": list(high_risk_cases(sel, limit=list_size)),
        "leads_overdue": overdue_leads(sel),
    }


def overdue_leads(sel: Selection) -> dict[str, int]:
    """排查 (SPEC §13): leads in the selected region's subtree past their triage date (1 day for
    high/critical risk, 3 otherwise) or their check date, as they stand today — not a figure of
    the period — and how many of them are of high or critical risk. Scoped as leads are
    (screening.scope) and counted with the lead list's filters, so its link lists them."""
    return lead_selectors.overdue_leads_figures(sel.user, sel.region)


def by_child_region(
    sel: Selection, *, today: dt.date | None = None, source: str = "auto"
) -> list[dict]:
    """Child regions with visits and confirmations counted per region (the ranking): from the
    roll-up's region layer where `summary` reads it (a county's townships for the year so far:
    a few hundred rows instead of every case of the year), live otherwise; the same answer."""
    if use_rollup(sel, source):
        _totals, groups = rollup_counts(sel, ("region",), full=True, today=today)
    else:
        _totals, groups = counts(sel, ("region",), full=True, today=today)
    return _by_child_region(sel, groups["region"])


def statistics_table(sel: Selection, *, today: dt.date | None = None) -> dict:
    """Dispute type × outcome with received, success and performance rates, judicial
    confirmations, amount and escalations prevented; the totals row is the summary's."""
    totals, groups = counts(sel, ("dispute_type",), full=True, today=today)
    figures = derive(totals)
    figures["p90_days_to_close"] = p90_days_to_close(sel, figures["closed"])
    return {"rows": _by_dispute_type(groups["dispute_type"]), "totals": figures}
