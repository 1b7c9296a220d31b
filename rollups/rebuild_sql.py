"""The roll-up rebuilt from the cases in PostgreSQL, in a handful of set-based statements
(`rollups.rollup.rebuild` takes this way on PostgreSQL): the Python rebuild reads every case
into Python (about 300 µs a case: 50 minutes for ten million), this one lets the database
group them (SPEC §16: a province's roll-up rebuilt in minutes).

The rules are those of `rollups.rollup.contribution`, written a second time as SQL expressions
(one per counter, below); `tests/supervision/test_rollup_pg.py` checks after random walks of
changes that both give the same table, row for row.

The statements run in the caller's transaction after `LOCK … IN EXCLUSIVE MODE` on the roll-up
tables: readers go on reading the old rows until the commit; a change made meanwhile waits for
the lock and adds its difference to the rebuilt rows, so nothing is counted twice or lost."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from cases.choices import AGREEMENT_OUTCOMES, OPEN_STATUSES, Outcome, RiskLevel, Satisfaction
from cases.models import DeadlineSettings
from rollups.models import COUNTS, GRAINS

TABLES = (
    "rollups_caserollup",
    "rollups_dayhistogram",
    "rollups_regionrollup",
    "rollups_regiondays",
    "rollups_casetally",
)


def _list(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # choices: no quote in them


OPEN = _list(str(s) for s in OPEN_STATUSES)
AGREED = _list(str(o) for o in AGREEMENT_OUTCOMES)
HIGH = _list((str(RiskLevel.HIGH), str(RiskLevel.CRITICAL)))
SATISFIED = _list((str(Satisfaction.SATISFIED), str(Satisfaction.BASICALLY_SATISFIED)))


# One expression per counter of rollups.models.COUNTS, over a case row `c` (with its visits `v`,
# confirmations `j` and ratings `r` joined as aggregates), as rollup.contribution counts it.
def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


_CLOSED = "c.outcome <> ''"
_DUE = f"c.outcome IN {AGREED} AND c.closed_at IS NOT NULL"
PER_CASE = {
    "received": "1",
    "accepted": _flag("c.accepted_at IS NOT NULL"),
    "closed": _flag(_CLOSED),
    "agreements_closed": _flag(_DUE),
    "high_risk_open": _flag(f"c.status IN {OPEN} AND c.risk_level IN {HIGH}"),
    "escalations_prevented": _flag(f"c.outcome IN {AGREED} AND c.risk_level IN {HIGH}"),
    "seconds_to_close": (
        f"CASE WHEN {_CLOSED} AND c.outcome_at IS NOT NULL THEN "
        "floor(extract(epoch FROM c.outcome_at))::bigint"
        " - floor(extract(epoch FROM c.registered_at))::bigint ELSE 0 END"
    ),
    **{f"status_{s}": _flag(f"c.status = '{s}'") for s in (str(x) for x in OPEN_STATUSES)},
    **{f"outcome_{o}": _flag(f"c.outcome = '{o}'") for o in (str(x) for x in Outcome)},
    "visits": "coalesce(v.visits, 0)",
    "visits_satisfied": "coalesce(v.satisfied, 0)",
    "agreements_visited": _flag(f"{_DUE} AND v.visits > 0"),
    "agreements_performed": _flag(f"{_DUE} AND v.performed > 0"),
    "judicial_confirmations": _flag("j.case_id IS NOT NULL"),
    "ratings": "coalesce(r.ratings, 0)",
    "ratings_satisfied": "coalesce(r.satisfied, 0)",
}
if set(PER_CASE) != set(COUNTS):  # a counter added to the model and not here
    raise ImportError(f"rebuild_sql.PER_CASE differs from COUNTS: {set(COUNTS) ^ set(PER_CASE)}")


def _local_day(column: str) -> str:
    """rollup.day_number: the local date as days since 2000-01-01."""
    return f"(({column} AT TIME ZONE %(tz)s)::date - date '2000-01-01')"


# rollup.ancestor_path(path, depth) as SQL: the first `depth` parts (all of a shallower path)
def _ancestor(column: str, depth: str) -> str:
    return f"substring({column} FROM '^((?:/[^/]+){{1,' || {depth} || '}})') || '/'"


CASES = f"""
CREATE TEMP TABLE rb_case ON COMMIT DROP AS
SELECT c.region_path, c.dispute_type_id AS dispute_type, c.source, c.status, c.risk_level,
    c.organization_id,
    date_trunc('month', c.registered_at AT TIME ZONE %(tz)s)::date AS month,
    {_ancestor("c.region_path", str(max(GRAINS)))} AS top,
    coalesce(c.amount_involved, 0) AS amount_involved,
    {", ".join(f"({expr})::bigint AS {name}" for name, expr in PER_CASE.items())},
    CASE WHEN c.status IN {OPEN} AND c.deadline IS NOT NULL
        THEN c.deadline - date '2000-01-01' END AS d_deadline,
    CASE WHEN {_CLOSED} AND c.outcome_at IS NOT NULL THEN floor(
        (floor(extract(epoch FROM c.outcome_at)) - floor(extract(epoch FROM c.registered_at))
         + 4320) / 8640.0)::int END AS d_close,
    CASE WHEN {_CLOSED} AND c.outcome_at IS NOT NULL AND c.accepted_at IS NULL
        THEN {_local_day("c.outcome_at")} - {_local_day("c.registered_at")} END AS d_intake,
    CASE WHEN {_CLOSED} AND c.outcome_at IS NOT NULL AND c.accepted_at IS NOT NULL
        THEN {_local_day("c.outcome_at")} - {_local_day("c.accepted_at")} - c.extended_days
        END AS d_mediation
FROM cases_case c
LEFT JOIN (
    SELECT case_id, count(*) AS visits,
        count(*) FILTER (WHERE satisfaction IN {SATISFIED}) AS satisfied,
        count(*) FILTER (WHERE performance = 'performed') AS performed
    FROM cases_followupvisit WHERE superseded_by_id IS NULL GROUP BY case_id
) v ON v.case_id = c.id
LEFT JOIN (
    SELECT DISTINCT case_id FROM cases_judicialconfirmation WHERE superseded_by_id IS NULL
) j ON j.case_id = c.id
LEFT JOIN (
    SELECT case_id, count(*) AS ratings,
        count(*) FILTER (WHERE satisfaction IN {SATISFIED}) AS satisfied
    FROM cases_partyrating GROUP BY case_id
) r ON r.case_id = c.id
"""

_SUMS = ", ".join(f"sum({name})" for name in COUNTS)
_COLS = ", ".join(COUNTS)
LEAF_KEY = "region_path, month, dispute_type, source"
_DAYS = """CROSS JOIN LATERAL (VALUES ('deadline', d_deadline), ('close', d_close),
    ('intake', d_intake), ('mediation', d_mediation)) AS k(kind, day)"""

# written in key order: the unique index is filled page by page, not at random
LEAF_ROWS = f"""
INSERT INTO rollups_caserollup ({LEAF_KEY}, {_COLS}, amount_involved)
SELECT {LEAF_KEY}, {_SUMS}, sum(amount_involved) FROM rb_case GROUP BY {LEAF_KEY}
ORDER BY {LEAF_KEY}
"""

LEAF_DAYS = f"""
INSERT INTO rollups_dayhistogram ({LEAF_KEY}, kind, day, n)
SELECT {LEAF_KEY}, k.kind, k.day, count(*) FROM rb_case {_DAYS}
WHERE k.day IS NOT NULL
GROUP BY {LEAF_KEY}, k.kind, k.day ORDER BY {LEAF_KEY}, k.kind, k.day
"""

TALLIES = """
INSERT INTO rollups_casetally (organization_id, region_path, status, risk_level, shard, n)
SELECT organization_id, region_path, status, risk_level, 0, count(*)
FROM rb_case GROUP BY organization_id, region_path, status, risk_level
ORDER BY organization_id, region_path, status, risk_level
"""

# The region layer. First the cases summed per region at the deepest grain (`top`, e.g. a
# county) × month, in the three marginals (rollup.region_keys: all cases, per dispute type, per
# source) with the cases closed on time under the current DeadlineSettings
# (rollup.closed_in_time): one pass over the cases, some hundred thousand rows at ten million.
# Then each grain's ancestor of those regions (rollup.ancestor_path: a shallower path is its
# own ancestor), from a table of the few distinct `top` paths.
_DIM = """CASE WHEN GROUPING(dispute_type) = 0 THEN 'type'
    WHEN GROUPING(source) = 0 THEN 'source' ELSE '' END AS dim,
    CASE WHEN GROUPING(dispute_type) = 0 THEN dispute_type::text
    WHEN GROUPING(source) = 0 THEN source ELSE '' END AS value"""
TOP_ROWS = f"""
CREATE TEMP TABLE rb_top ON COMMIT DROP AS
SELECT top, month, {_DIM}, {", ".join(f"sum({c}) AS {c}" for c in COUNTS)},
    sum(amount_involved) AS amount_involved,
    count(*) FILTER (WHERE d_intake <= %(intake_days)s OR d_mediation <= %(mediation_days)s)
        AS closed_in_time
FROM rb_case
GROUP BY GROUPING SETS ((top, month), (top, month, dispute_type), (top, month, source))
"""
TOP_DAYS = f"""
CREATE TEMP TABLE rb_top_days ON COMMIT DROP AS
SELECT top, month, {_DIM}, kind, day, sum(n) AS n FROM (
    SELECT top, month, dispute_type, source, k.kind, k.day, count(*) AS n FROM rb_case {_DAYS}
    WHERE k.kind IN ('deadline', 'close') AND k.day IS NOT NULL
    GROUP BY top, month, dispute_type, source, k.kind, k.day
) d
GROUP BY GROUPING SETS ((top, month, kind, day), (top, month, dispute_type, kind, day),
    (top, month, source, kind, day))
"""
ANCESTORS = f"""
CREATE TEMP TABLE rb_ancestor ON COMMIT DROP AS
SELECT top, g.grain, {_ancestor("top", "g.grain")} AS region_path
FROM (SELECT DISTINCT top FROM rb_top) t
CROSS JOIN (VALUES {", ".join(f"({g})" for g in GRAINS)}) AS g(grain)
"""

REGION_ROWS = f"""
INSERT INTO rollups_regionrollup (grain, region_path, month, dim, value, shard, {_COLS},
    amount_involved, closed_in_time)
SELECT a.grain, a.region_path, t.month, t.dim, t.value, 0,
    {", ".join(f"sum(t.{c})" for c in COUNTS)}, sum(t.amount_involved), sum(t.closed_in_time)
FROM rb_top t JOIN rb_ancestor a USING (top)
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
"""

REGION_DAYS = """
INSERT INTO rollups_regiondays (grain, region_path, month, dim, value, kind, day, n)
SELECT a.grain, a.region_path, t.month, t.dim, t.value, t.kind, t.day, sum(t.n)
FROM rb_top_days t JOIN rb_ancestor a USING (top)
WHERE t.kind = 'deadline' OR t.dim = ''
GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
"""

# the statements in order, and whether they need the region layer / the tallies
STATEMENTS = (
    ("cases", CASES, None),
    ("leaf rows", LEAF_ROWS, None),
    ("leaf days", LEAF_DAYS, None),
    ("tallies", TALLIES, "tally"),
    ("top rows", TOP_ROWS, "region"),
    ("top days", TOP_DAYS, "region"),
    ("ancestors", ANCESTORS, "region"),
    ("region rows", REGION_ROWS, "region"),
    ("region days", REGION_DAYS, "region"),
)


def rebuild(
    *, region: bool = True, tally: bool = True, timings: dict[str, float] | None = None
) -> int:
    """rollup.rebuild on PostgreSQL (inside the caller's transaction); the leaf row count.
    `timings`, when given, receives each statement's seconds by name (make bench-scale)."""
    params: dict[str, str | int] = {"tz": settings.TIME_ZONE}
    if region:
        conf = DeadlineSettings.current()
        params |= {"intake_days": conf.intake_days, "mediation_days": conf.mediation_days}
    tables = [
        t for t in TABLES if (region or "region" not in t) and (tally or t != "rollups_casetally")
    ]
    wanted = {"region": region, "tally": tally, None: True}
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the groupings in memory, not on disk
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (names from TABLES)
        for name, statement, needs in STATEMENTS:
            if wanted[needs]:
                start = time.perf_counter()
                cursor.execute(statement, params)
                if timings is not None:
                    timings[name] = time.perf_counter() - start
                if name == "leaf rows":
                    rows = cursor.rowcount
        cursor.execute("DROP TABLE IF EXISTS rb_case, rb_top, rb_top_days, rb_ancestor")
    return rows
