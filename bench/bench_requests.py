"""What one request costs the web node, endpoint by endpoint (SPEC §16 "Load": ≈ 15 ms of CPU
per request is what 100 requests/s on 2 cores leaves). The load test (bench_load.py) gives the
mix's average; this gives the parts, in one process, so a change can be measured on its own.

    .venv/bin/python bench/bench_requests.py [--repeat 40] [--profile NAME]

It reads bench_api's data set (BENCH_API_DATABASE_URL, default tiaojie_bench_api: 200,000 cases
of 东村调委; run bench/bench_api.py first) and never keeps a write: the registration (the
locustfile's) is rolled back. The cache is Redis as in production (BENCH_REQUESTS_REDIS_URL,
redis://127.0.0.1:6379/12, emptied first). Each request goes through the whole middleware
stack with the Django test client (whose own cost is in the figures: a few tenths of a ms),
logged in with a session (pages) or a token (API), as the locustfile's users are.

Prints `name: value` lines:
  request.<name>_cpu_ms     CPU time of this process per request (median of --repeat)
  request.<name>_wall_ms    wall time per request, PostgreSQL's share included (median)
  request.<name>_queries    SQL queries of one request
  request.mix_cpu_ms        the locustfile's mix, weighted by its task weights
With --profile NAME, cProfile's most expensive functions of that endpoint, in CPU time."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

USERS = ["clerk", "mediator", "director", "supervisor"]
REDIS_URL = os.environ.get("BENCH_REQUESTS_REDIS_URL", "redis://127.0.0.1:6379/12")

# (name, user, path, api, weight in the locustfile's mix: user weight × task weight / tasks)
ENDPOINTS = [
    ("clerk_home", "clerk", "/", False, 3 * 3),
    ("clerk_case_list", "clerk", "/cases/?page=7", False, 3 * 3),
    ("clerk_case_page", "clerk", "/cases/{case}/", False, 3 * 4),
    ("clerk_api_list", "clerk", "/api/v1/cases/?page=7", True, 3 * 3),
    ("clerk_api_case", "clerk", "/api/v1/cases/{case}/", True, 3 * 2),
    ("mediator_tasks", "mediator", "/tasks/", False, 4 * 4),
    ("mediator_home", "mediator", "/", False, 4 * 2),
    ("mediator_api_list", "mediator", "/api/v1/cases/", True, 4 * 2),
    ("director_home", "director", "/", False, 1 * 2),
    ("director_case_list", "director", "/cases/?status=mediation", False, 1 * 2),
    ("director_case_page", "director", "/cases/{case}/", False, 1 * 2),
    ("director_api_documents", "director", "/api/v1/cases/{case}/documents/", True, 1 * 1),
    ("supervisor_dashboard", "supervisor", "/supervision/", False, 1 * 3),
    ("supervisor_ranking", "supervisor", "/supervision/ranking/", False, 1 * 1),
    ("supervisor_api_risk", "supervisor", "/api/v1/cases/?risk=high", True, 1 * 2),
    ("clerk_api_register", "clerk", "POST /api/v1/cases/", True, 3 * 1),
]


def registration() -> dict:
    """bench/locustfile.py's registration (two parties with valid resident IDs)."""
    from cases.models import Organization
    from tests.factories import party

    east = Organization.objects.get(short_code="东村调委")
    return {
        "organization": east.pk,
        "region": east.region_id,
        "dispute_type": "neighbour",
        "source": "application",
        "summary": "【基准】排水沟堵塞，双方争执。",
        "requests": "疏通排水沟",
        "occurred_on": "2026-11-01",
        "parties": [
            {k: str(v) for k, v in party(role, n).items()}
            for n, role in ((1, "applicant"), (2, "respondent"))
        ],
    }


def call(client, path: str):
    """GET the path; a "POST …" path posts the registration in a transaction rolled back (the
    data set keeps its cases, and no document is scheduled)."""
    if not path.startswith("POST "):
        return client.get(path)
    from django.db import transaction

    with transaction.atomic():
        answer = client.post(path[5:], registration(), content_type="application/json")
        transaction.set_rollback(True)
    return answer


def show(name: str, value: object) -> None:
    print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}", flush=True)


def setup() -> None:
    os.environ["CACHE_URL"] = REDIS_URL
    os.environ["LOG_LEVEL"] = "WARNING"
    import benchsetup

    benchsetup.setup_django(
        "BENCH_API_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/tiaojie_bench_api",
        "bench_requests",
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def clients() -> dict[str, tuple[object, object]]:
    """Per user: a client logged in with a session, and one carrying a token."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.tokens import issue

    result = {}
    for user in get_user_model().objects.filter(username__in=USERS):
        page = Client()
        page.force_login(user)
        _, token = issue(user, device="bench_requests")
        result[user.username] = (page, Client(HTTP_AUTHORIZATION=f"Token {token}"))
    return result


def case_id() -> int:
    from cases.models import Case, Organization

    east = Organization.objects.get(short_code="东村调委")
    found = Case.objects.filter(organization=east).order_by("-id").values_list("id", flat=True)
    if not found:
        raise SystemExit("no data set: run bench/bench_api.py first")
    return found[0]


def measure(client, path: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: connection, templates, plans, the cached counts
        answer = call(client, path)
        if answer.status_code not in (200, 201):
            raise SystemExit(f"{path}: {answer.status_code} {answer.content[:200]!r}")
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        call(client, path)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    with CaptureQueriesContext(connection) as captured:
        call(client, path)
    return 1000 * statistics.median(cpu), 1000 * statistics.median(wall), len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    setup()
    users = clients()
    case = case_id()
    total = weights = 0.0
    for name, user, path, api, weight in ENDPOINTS:
        client = users[user][1 if api else 0]
        path = path.format(case=case)
        if args.profile:
            if name != args.profile:
                continue
            measure(client, path, 1)
            profile = cProfile.Profile(time.process_time)  # CPU, not waits for the database
            profile.enable()
            for _ in range(args.repeat):
                call(client, path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            return
        cpu, wall, queries = measure(client, path, args.repeat)
        show(f"request.{name}_cpu_ms", cpu)
        show(f"request.{name}_wall_ms", wall)
        show(f"request.{name}_queries", queries)
        total += cpu * weight
        weights += weight
    show("request.mix_cpu_ms", total / weights)


if __name__ == "__main__":
    main()
