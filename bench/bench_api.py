"""The API's case list at scale (issue 6): does the first page cost the same whatever a user sees?

    .venv/bin/python bench/bench_api.py [--cases 200000] [--small 2000] [--repeat 30] [--regenerate]

The database is BENCH_API_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/tiaojie_bench_api (created and migrated if missing); a
sqlite:/// URL works too. DATABASE_URL is ignored on purpose: a benchmark that bulk-creates and
deletes cases must never land in a real database. 东村调委's clerk sees --cases cases and
西村调委's clerk (clerk_b) sees --small; the cases are bulk-created directly (not through the
service, which would take hours), spread over two years, every state and risk level, two
parties each; then ANALYZE. An existing data set of the right size is reused unless
--regenerate.

Prints `name: value` lines:
  api.case_list_200k_s              GET /api/v1/cases/ (first page) as the clerk who sees --cases,
                                    through the Django test client with a token, median of --repeat
  api.case_list_2k_s                the same as clerk_b, who sees --small
  api.case_list_200k_over_2k_ratio  target ≤ 1.3
  api.case_list_200k_over_2k_ratio_count_uncached
                                    the same ratio when every page counts afresh (the count cache
                                    of api.pagination empty, as right after any case changed)
  api.case_list_queries             SQL queries one page takes (both users)     target ≤ 10
  api.case_list_queries_constant    1 if both users' pages take the same number of queries
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_bench_api"
BATCH = 5000


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_API_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("CELERY_BROKER_URL", None)
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        return  # SQLite: the file is created on connect
    import psycopg

    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _show(name: str, value) -> None:
    print(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}")
    sys.stdout.flush()


# --- data --------------------------------------------------------------------------------
STATES = [
    ("intake", ""),
    ("investigation", ""),
    ("mediation", ""),
    ("closure", "agreement_written"),
    ("follow_up", "agreement_oral"),
    ("archived", "agreement_written"),
    ("archived", "failed"),
    ("archived", "declined"),
    ("archived", "withdrawn"),
]
RISKS = ["low"] * 6 + ["medium"] * 2 + ["high", "critical"]


def _bulk_cases(organization, clerk, n: int) -> None:
    """`n` cases of `organization`, numbered BENCH-<org>-<i>, with two parties each."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, DisputeType, Party

    types = list(DisputeType.objects.filter(taxonomy__is_current=True))
    start = timezone.now() - dt.timedelta(days=730)
    step = dt.timedelta(days=730) / max(n, 1)
    today = timezone.localdate()
    for first in range(0, n, BATCH):
        with transaction.atomic():
            cases = []
            for i in range(first, min(first + BATCH, n)):
                status, outcome = STATES[i % len(STATES)]
                registered = start + step * i
                cases.append(
                    Case(
                        number=f"BENCH-{organization.short_code}-{i:07d}",
                        year=registered.year,
                        seq=i + 1,
                        organization=organization,
                        region=organization.region,
                        region_path=organization.region.path,
                        dispute_type=types[i % len(types)],
                        source="application",
                        summary="【基准】双方因宅基地界址发生争执，经多次协商未果。",
                        status=status,
                        outcome=outcome,
                        deadline=None
                        if status == "archived"
                        else today + dt.timedelta(days=(i % 40) - 10),
                        risk_level=RISKS[i % len(RISKS)],
                        registered_at=registered,
                        created_by=clerk,
                        updated_by=clerk,
                    )
                )
            created = Case.objects.bulk_create(cases)
            Party.objects.bulk_create(
                Party(case=c, role=role, name=f"{'甲乙'[k]}{c.seq}", phone=f"13{c.seq:09d}")
                for c in created
                for k, role in enumerate(("applicant", "respondent"))
            )


def _data(big: int, small: int, regenerate: bool) -> tuple:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from cases.models import Case, Organization
    from demo import seed as demo

    demo.seed_reference()
    users = {u.username: u for u in get_user_model().objects.all()}
    east = Organization.objects.get(short_code="东村调委")
    west = Organization.objects.get(short_code="西村调委")
    bench = Case.objects.filter(number__startswith="BENCH-")
    have = (bench.filter(organization=east).count(), bench.filter(organization=west).count())
    if Case.objects.exclude(number__startswith="BENCH-").exists():
        raise SystemExit("this database holds cases that are not the benchmark's: refusing")
    if regenerate or have != (big, small):
        if have != (0, 0):
            bench.delete()
        started = time.perf_counter()
        _bulk_cases(east, users["clerk"], big)
        _bulk_cases(west, users["clerk_b"], small)
        from rollups import rollup

        with transaction.atomic():  # bulk-created past the services: count them as a change would
            rollup.rebuild()
        _show("api.generate_s", time.perf_counter() - started)
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return users["clerk"], users["clerk_b"]


# --- the measurement ---------------------------------------------------------------------
def _page(client, path: str = "/api/v1/cases/"):
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    return response


def _time_pages(client, repeat: int, *, cold_count: bool = False) -> float:
    from django.core.cache import cache

    for _ in range(3):  # warm: connection, caches, plans
        _page(client)
    times = []
    for _ in range(repeat):
        if cold_count:
            cache.clear()  # as right after a change to any case: the count is computed again
        started = time.perf_counter()
        _page(client)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _queries(client) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # the worst case: the count is computed in this request
    with CaptureQueriesContext(connection) as captured:
        _page(client)
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    _setup()
    from rest_framework.test import APIClient

    from accounts import tokens

    big_user, small_user = _data(args.cases, args.small, args.regenerate)
    clients = {}
    for name, user in (("big", big_user), ("small", small_user)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user, 'bench')[1]}")
        clients[name] = client
    count = _page(clients["big"]).json()["count"]
    if count != args.cases:
        raise SystemExit(f"the clerk sees {count} cases, expected {args.cases}")
    big = _time_pages(clients["big"], args.repeat)
    small = _time_pages(clients["small"], args.repeat)
    label = f"{args.cases // 1000}k"
    _show(f"api.case_list_{label}_s", big)
    _show(f"api.case_list_{args.small // 1000}k_s", small)
    _show(f"api.case_list_{label}_over_{args.small // 1000}k_ratio", big / small)
    big_cold = _time_pages(clients["big"], args.repeat, cold_count=True)
    small_cold = _time_pages(clients["small"], args.repeat, cold_count=True)
    _show(f"api.case_list_{label}_count_uncached_s", big_cold)
    _show(
        f"api.case_list_{label}_over_{args.small // 1000}k_ratio_count_uncached",
        big_cold / small_cold,
    )
    queries = (_queries(clients["big"]), _queries(clients["small"]))
    _show("api.case_list_queries", max(queries))
    _show("api.case_list_queries_constant", int(queries[0] == queries[1]))


if __name__ == "__main__":
    main()
