"""The load test of SPEC §16: staff users (bench/locustfile.py) against two web nodes behind
nginx on PostgreSQL, with two Celery workers issuing the documents, stepped up in users.

    .venv/bin/python bench/bench_load.py [--cases 200000] [--steps 20,50,100] [--seconds 60]

`make bench-load` runs it. The data set is bench_api's (--cases cases of 东村调委, 2,000 of
西村调委; generated there when missing), copied for the run into its own database
(tiaojie_bench_load, CREATE DATABASE … TEMPLATE), so the registrations under load never reach
bench_api's data; the copy is dropped at the end. Everything listens on loopback ports: the
nodes' cache and broker are the Redis database BENCH_LOAD_REDIS_URL (redis://127.0.0.1:6379/11,
emptied first), files on a temporary local folder both nodes share. nginx is Debian's (.ci/run
or `apt-get install nginx`).

Prints `name: value` lines, for each step of N users:
  load.uN.requests, load.uN.failures, load.uN.rps
  load.uN.p95_ms           every request but PDF downloads and logins (SPEC target: < 300 ms)
  load.uN.worst_p95_ms     the slowest endpoint's p95 (the same left out), and its name
  load.uN.login_p95_ms     the logins' p95 (form and token: a deliberately slow password hash)
  load.uN.generator_cpu_s  CPU seconds the load generator itself used (it shares the 2 cores)
  load.uN.machine_busy_pct the machine's CPU use during the step
and at the end load.documents_issued / load.documents_failed / load.documents_pending (the
documents the registrations queued, after the workers had up to 120 s to finish)."""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import benchsetup  # noqa: E402

SOURCE_URL = os.environ.get(
    "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tiaojie_bench_api"
)
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/11")
USERS = ["clerk", "mediator", "director", "supervisor"]


def show(name: str, value: object) -> None:
    print(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}", flush=True)


def prepare_source(cases: int) -> None:
    """bench_api's data set, generated there if it is not the right size (its own process)."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_api.py"), "--cases", str(cases)]
        + ["--repeat", "1"],
        check=True,
        cwd=ROOT,
        env=os.environ | {"BENCH_API_DATABASE_URL": SOURCE_URL},
        stdout=subprocess.DEVNULL,  # its own figures are bench_api's business
    )


def copy_database(source: str, name: str) -> str:
    import psycopg

    parts = urlparse(source)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parts.path.lstrip("/")}"')
    return parts._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def machine_ticks() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


AUTH = ("/accounts/login/", "/api/v1/auth/token/")


def p95_without_pdf(rows: list[dict[str, str]]) -> tuple[float, float, str]:
    """(the p95 figure; the worst endpoint's p95; its name), PDF downloads and the logins left
    out. locust's CSV gives percentiles per endpoint; the figure is the largest endpoint p95
    that carries at least 1 % of the requests, so one rare request cannot hide or dominate.
    The logins (each user's one login and token, a password hash of about a second by design)
    are shown on their own line."""
    endpoints = [
        r
        for r in rows
        if r["Name"] != "Aggregated" and "pdf" not in r["Name"] and not r["Name"].startswith(AUTH)
    ]
    total = sum(int(r["Request Count"]) for r in endpoints) or 1
    worst = max(endpoints, key=lambda r: float(r["95%"] or 0), default=None)
    common = [r for r in endpoints if int(r["Request Count"]) >= total / 100]
    overall = max((float(r["95%"] or 0) for r in common), default=0.0)
    if worst is None:
        return 0.0, 0.0, "-"
    return overall, float(worst["95%"] or 0), f"{worst['Type']} {worst['Name']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--steps", default="20,50,100")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=5)
    args = parser.parse_args()

    prepare_source(args.cases)
    url = copy_database(SOURCE_URL, "tiaojie_bench_load")
    os.environ["DATABASE_URL"] = url
    benchsetup.setup_django("DATABASE_URL", url, "bench_load")
    import redis
    from django.contrib.auth import get_user_model

    from cases.models import Organization
    from demo.seed import PASSWORD
    from documents.models import Document
    from tests.services.deployment import start_nginx, start_node, start_worker, wait_ready

    # The load users' passwords with the nodes' own hasher (bench_api stores fast MD5 ones).
    for user in get_user_model().objects.filter(username__in=USERS):
        user.set_password(PASSWORD)
        user.save()
    east = Organization.objects.get(short_code="东村调委")
    redis.Redis.from_url(REDIS_URL).flushdb()
    folder = Path(tempfile.mkdtemp(prefix="tiaojie-load-"))
    env = os.environ | {
        "DATABASE_URL": url,
        "CACHE_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "MEDIA_ROOT": str(folder / "media"),
        "TIAOJIE_TRUSTED_PROXIES": "1",
        "API_TOKEN_RATE": "1000/minute",
        "API_TOKEN_USER_RATE": "1000/hour",
        "LOG_LEVEL": "WARNING",
        "TIAOJIE_WEB_WORKERS": "2",
    }
    nodes = [free_port(), free_port()]
    processes: list = []
    before = Document.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        for i, port in enumerate(nodes, 1):
            processes.append(start_node(f"node{i}", port, env=env, folder=folder))
        for i in (1, 2):
            processes.append(start_worker(f"load{i}", env=env, folder=folder))
        proxy = free_port()
        processes.append(start_nginx(folder, proxy, nodes))
        wait_ready(nodes, processes)
        locust_env = env | {
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_ORG": str(east.pk),
            "LOAD_VILLAGE": str(east.region_id),
        }
        for users in [int(n) for n in args.steps.split(",")]:
            prefix = folder / f"u{users}"
            ticks = machine_ticks()
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
                + ["--headless", "--only-summary", "-u", str(users), "-r", str(args.spawn_rate)]
                + ["-t", f"{args.seconds}s", "--csv", str(prefix), "--host"]
                + [f"http://127.0.0.1:{proxy}", "--stop-timeout", "10"],
                cwd=ROOT,
                env=locust_env,
                stdout=subprocess.DEVNULL,
                stderr=open(folder / f"locust-u{users}.log", "w"),  # noqa: SIM115
                check=False,
            )
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            total, idle = machine_ticks()
            busy = 100 * (1 - (idle - ticks[1]) / max(total - ticks[0], 1))
            for p in processes:
                p.alive()
            rows = read_stats(prefix)
            overall = next(r for r in rows if r["Name"] == "Aggregated")
            p95, worst, worst_name = p95_without_pdf(rows)
            show(f"load.u{users}.requests", int(overall["Request Count"]))
            show(f"load.u{users}.failures", int(overall["Failure Count"]))
            show(f"load.u{users}.rps", float(overall["Requests/s"]))
            show(f"load.u{users}.p95_ms", p95)
            show(f"load.u{users}.worst_p95_ms", worst)
            show(f"load.u{users}.worst_endpoint", worst_name)
            logins = [r for r in rows if r["Name"].startswith(AUTH)]
            show(
                f"load.u{users}.login_p95_ms",
                max((float(r["95%"] or 0) for r in logins), default=0.0),
            )
            show(
                f"load.u{users}.generator_cpu_s",
                (used.ru_utime + used.ru_stime) - (cpu.ru_utime + cpu.ru_stime),
            )
            show(f"load.u{users}.machine_busy_pct", busy)
        deadline = time.monotonic() + 120
        new = Document.objects.filter(id__gt=before)
        while time.monotonic() < deadline and new.filter(status="pending").exists():
            time.sleep(2)
        statuses = list(new.values_list("status", flat=True))
        show("load.documents_issued", statuses.count("issued"))
        show("load.documents_failed", statuses.count("failed"))
        show("load.documents_pending", statuses.count("pending"))
    finally:
        for process in processes:
            process.stop()
        from django.db import connections

        connections.close_all()
        drop_database(url)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
