"""A province's dashboard over ten million cases (SPEC §16), on PostgreSQL: `make bench-scale`.

    .venv/bin/python bench/bench_scale.py [--cases 10000000] [--repeat 5] [--regenerate]

The database is BENCH_SCALE_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/tiaojie_bench_scale (created and migrated if missing; like the
other benchmarks it refuses a database that holds cases it did not generate).

The geography is a province of its own (基准省, a second root beside the demo's 青山市): ten cities
of ten counties, each county eight townships of six villages, one committee per village (4,800
committees). The cases come from bench_stats.py's generator (one INSERT … SELECT over
generate_series per 250,000; every state, outcome and risk level; follow-up visits and judicial
confirmations), written with the case table's secondary indexes dropped and built again after
(a bulk load's usual order: ten million random inserts into a dozen indexes would take hours).
Then `stats_rebuild`'s PostgreSQL way (rollups/rebuild_sql.py) builds the roll-up. An existing
data set of the right size is reused unless --regenerate.

Prints `name: value` lines:
  scale.generate_s                  generating the cases (when generated in this run)
  scale.index_build_s               building the case table's indexes again after the load
  stats.rollup_rebuild_s            the roll-up rebuilt from the cases (SQL; when it was stale)
  stats.province_cases              cases in the province
  stats.dashboard_province_10m_s    supervision.stats.dashboard() for the province's supervisor,
                                    2024-01 to today, as the page reads it (the region layer);
                                    median of --repeat warm runs (target ≤ 0.5)
  stats.dashboard_city_of_province_s  one of its cities, the same way
  stats.dashboard_province_page_s   the whole /supervision/ page for the province (view, template)
  stats.dashboard_province_live_s   the province's figures computed live from the cases (once)
  stats.rollup_matches_live         1 if every figure of the province, a city and a county is the
                                    same from the roll-up as live
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats import _median, _page, generate, refuse_foreign_cases  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_bench_scale"
PROVINCE = "基准省"
CITIES, COUNTIES, TOWNSHIPS, VILLAGES = 10, 10, 8, 6


def _setup() -> None:
    from benchsetup import setup_django

    setup_django("BENCH_SCALE_DATABASE_URL", DEFAULT_URL, "bench_scale")


def _province() -> dict:
    """The province's regions and committees (made once, then reused), as bench_stats.generate
    wants them."""
    from cases.models import DisputeType, Organization, Region
    from demo import seed as demo

    demo.seed_reference()
    province, _ = Region.objects.get_or_create(
        parent=None, name=PROVINCE, defaults={"level": "province"}
    )
    if not Organization.objects.filter(region__path__startswith=province.path).exists():
        for c in range(1, CITIES + 1):
            city = Region.objects.create(parent=province, name=f"基准{c}市", level="city")
            for k in range(1, COUNTIES + 1):
                county = Region.objects.create(parent=city, name=f"{c}市{k}县", level="county")
                for t in range(1, TOWNSHIPS + 1):
                    town = Region.objects.create(
                        parent=county, name=f"{county.name}{t}镇", level="township"
                    )
                    villages = [
                        Region.objects.create(
                            parent=town, name=f"{town.name}{v}村", level="village"
                        )
                        for v in range(1, VILLAGES + 1)
                    ]
                    Organization.objects.bulk_create(
                        Organization(
                            short_code=f"S{v.pk}",
                            name=f"{v.full_name}人民调解委员会",
                            seal_name=f"{v.full_name}人民调解委员会",
                            region=v,
                        )
                        for v in villages
                    )
    orgs = list(
        Organization.objects.filter(region__path__startswith=province.path)
        .select_related("region")
        .order_by("pk")
    )
    return {
        "orgs": [o.pk for o in orgs],
        "regions": [o.region_id for o in orgs],
        "paths": [o.region.path for o in orgs],
        "types": list(
            DisputeType.objects.filter(taxonomy__is_current=True).values_list("pk", flat=True)
        ),
    }


def _secondary_indexes() -> list[tuple[str, str]]:
    """The case table's indexes that no constraint owns, as (name, definition)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = 'cases_case' AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)
               ORDER BY i.indexname"""
        )
        return cursor.fetchall()


def _generate(n: int) -> None:
    from django.db import connection

    indexes = _secondary_indexes()
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        print(f"scale.generate_s: {generate(n, _province):.1f}", flush=True)
    finally:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("ANALYZE cases_case")
        print(f"scale.index_build_s: {time.perf_counter() - start:.1f}", flush=True)


def _rebuild_if_stale(province_cases: int, regenerated: bool) -> None:
    """Rebuild after a load; a reused data set is rebuilt when its root rows do not count every
    case (a cheap check: the full comparison is the figures below)."""
    from django.db import connection, transaction
    from django.db.models import Sum

    from cases.models import Case
    from rollups import rebuild_sql
    from rollups.models import RegionRollup

    counted = RegionRollup.objects.filter(grain=1, dim="").aggregate(n=Sum("received"))["n"]
    if regenerated or counted != Case.objects.count():
        timings: dict[str, float] = {}
        start = time.perf_counter()
        with transaction.atomic():
            rebuild_sql.rebuild(timings=timings)  # what rollup.rebuild() does on PostgreSQL
        print(f"stats.rollup_rebuild_s: {time.perf_counter() - start:.1f}", flush=True)
        for name, seconds in timings.items():
            print(f"# rebuild {name}: {seconds:.1f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            for table in rebuild_sql.TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (names from TABLES)
                print(f"# {table}: {cursor.fetchone()[0]:,} rows", file=sys.stderr)
    print(f"stats.province_cases: {province_cases}")


def _supervisor(region):
    from django.contrib.auth import get_user_model

    from cases.models import Membership

    user, _ = get_user_model().objects.get_or_create(
        username="supervisor_province", defaults={"first_name": "省督导"}
    )
    Membership.objects.get_or_create(user=user, role="supervisor", region=region)
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    _setup()

    from cases.models import Case, Region
    from supervision import access, stats
    from workflows import deadlines

    refuse_foreign_cases("BENCH_SCALE_DATABASE_URL")
    regenerate = args.regenerate or Case.objects.count() != args.cases
    if regenerate:
        _generate(args.cases)
    province = Region.objects.get(parent=None, name=PROVINCE)
    user = _supervisor(province)
    today = deadlines.today()
    period = {"from": "2024-01-01", "to": today.isoformat()}
    sel = access.selection(user, period | {"region": province.pk})
    _rebuild_if_stale(sel.cases().count(), regenerate)

    stats.dashboard(sel)  # warm: plans, caches
    print(
        f"stats.dashboard_province_10m_s: {_median(lambda: stats.dashboard(sel), args.repeat):.3f}"
    )
    city = province.children.order_by("path").first()
    county = city.children.order_by("path").first()
    city_sel = access.selection(user, period | {"region": city.pk})
    county_sel = access.selection(user, period | {"region": county.pk})
    city_s = _median(lambda: stats.dashboard(city_sel), args.repeat)
    print(f"stats.dashboard_city_of_province_s: {city_s:.3f}")
    page_s = _median(lambda: _page(user, sel), args.repeat)
    print(f"stats.dashboard_province_page_s: {page_s:.3f}")

    start = time.perf_counter()
    live = stats.summary(sel, source="live")
    print(f"stats.dashboard_province_live_s: {time.perf_counter() - start:.1f}", flush=True)
    same = stats.summary(sel, source="rollup") == live and all(
        stats.summary(s, source="rollup") == stats.summary(s, source="live")
        for s in (city_sel, county_sel)
    )
    print(f"stats.rollup_matches_live: {int(same)}")
    print(f"# period {period['from']} to {period['to']}, today {today}", file=sys.stderr)


if __name__ == "__main__":
    main()
