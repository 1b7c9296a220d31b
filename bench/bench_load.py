"""The load test of SPEC §16: staff users (bench/locustfile.py) against two web nodes behind
nginx on PostgreSQL, with two Celery workers issuing the documents, stepped up in users.

    .venv/bin/python bench/bench_load.py [--cases 200000] [--steps 20,40,60,80,100] [--seconds 60]
                                         [--warmup 20] [--web-workers 2]

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
  load.uN.slowest          the three endpoints of highest p95 (≥ 1 % of the requests): p95,
                           median and count of each
  load.uN.login_p95_ms     the logins' p95 (form and token: a deliberately slow password hash)
  load.uN.generator_cpu_s  CPU seconds the load generator itself used (it shares the 2 cores)
  load.uN.machine_busy_pct the machine's CPU use during the step
  load.uN.cpu_ms_per_request  CPU the web nodes, workers and nginx used per request (their own
                           counters, psutil), and load.uN.db_cpu_ms_per_request PostgreSQL's;
  load.uN.cpu_ms_per_request_web / _workers / _nginx  the same split by part
  load.uN.documents_scheduled_so_far  documents the registrations have queued up to then
then load.rps_at_slo (the highest step rate with p95 ≤ 300 ms and no failure), and
load.documents_issued / load.documents_failed / load.documents_pending (the documents the
registrations queued, after the workers had up to 120 s to finish).

Then the kill step (--kill-users users, --seconds long; 0 skips it): halfway through, one web
node and one Celery worker are killed (SIGKILL, their whole process tree), and it prints
  load.after_kill_requests, load.after_kill_errors (failed requests: those in flight on the
      killed node, named in load.after_kill_error_kinds), load.after_kill_p95_ms
  load.after_kill_registered_ok (201 answers), load.lost (201 answers whose case is missing),
      load.duplicates (a registration stored twice), load.in_flight_registered (registrations
      whose answer was lost with the node but whose case was committed)
  load.after_kill_documents_requeued (pending documents sent again, as beat's
      documents.requeue_stale does), load.after_kill_documents_lost (still pending at the end)."""

from __future__ import annotations

import argparse
import contextlib
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


def _endpoints(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(every endpoint but PDF downloads and logins; those of them carrying ≥ 1 % of the
    requests)."""
    endpoints = [
        r
        for r in rows
        if r["Name"] != "Aggregated" and "pdf" not in r["Name"] and not r["Name"].startswith(AUTH)
    ]
    total = sum(int(r["Request Count"]) for r in endpoints) or 1
    return endpoints, [r for r in endpoints if int(r["Request Count"]) >= total / 100]


def p95_without_pdf(rows: list[dict[str, str]]) -> tuple[float, float, str]:
    """(the p95 figure; the worst endpoint's p95; its name), PDF downloads and the logins left
    out. locust's CSV gives percentiles per endpoint; the figure is the largest endpoint p95
    that carries at least 1 % of the requests, so one rare request cannot hide or dominate.
    The logins (each user's one login and token, a password hash of about a second by design)
    are shown on their own line."""
    endpoints, common = _endpoints(rows)
    worst = max(endpoints, key=lambda r: float(r["95%"] or 0), default=None)
    overall = max((float(r["95%"] or 0) for r in common), default=0.0)
    if worst is None:
        return 0.0, 0.0, "-"
    return overall, float(worst["95%"] or 0), f"{worst['Type']} {worst['Name']}"


def slowest(rows: list[dict[str, str]], n: int = 3) -> str:
    """The n endpoints of highest p95 that the p95 figure counts: "name p95/median ms (count)"."""
    _all, common = _endpoints(rows)
    common.sort(key=lambda r: -float(r["95%"] or 0))
    return "; ".join(
        f"{r['Type']} {r['Name']} {float(r['95%'] or 0):.0f}/{float(r['50%'] or 0):.0f} ms"
        f" ({r['Request Count']})"
        for r in common[:n]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--steps", default="20,40,60,80,100")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--warmup", type=int, default=20, help="seconds of 10 users first")
    parser.add_argument("--kill-users", type=int, default=20)
    parser.add_argument(
        "--web-workers", type=int, default=2, help="gunicorn workers of each of the two nodes"
    )
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
        "TIAOJIE_WEB_WORKERS": str(args.web_workers),
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
        if args.warmup:  # each worker's first requests (imports, templates), not counted
            warm = argparse.Namespace(**vars(args) | {"seconds": args.warmup})
            locust(10, warm, folder / "warmup", proxy, locust_env, folder).wait()
        at_slo = 0.0
        for users in [int(n) for n in args.steps.split(",")]:
            prefix = folder / f"u{users}"
            ticks = machine_ticks()
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            parts_before, db_before = cpu_by_part(processes), db_cpu()
            locust(users, args, prefix, proxy, locust_env, folder).wait()
            parts = {k: v - parts_before.get(k, 0.0) for k, v in cpu_by_part(processes).items()}
            served, db = sum(parts.values()), db_cpu() - db_before
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
            show(f"load.u{users}.slowest", slowest(rows))
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
            requests = max(int(overall["Request Count"]), 1)
            show(f"load.u{users}.cpu_ms_per_request", 1000 * served / requests)
            show(f"load.u{users}.db_cpu_ms_per_request", 1000 * db / requests)
            for kind, seconds in sorted(parts.items()):  # where the CPU went
                show(f"load.u{users}.cpu_ms_per_request_{kind}", 1000 * seconds / requests)
            documents = Document.objects.filter(id__gt=before).count()
            show(f"load.u{users}.documents_scheduled_so_far", documents)
            if p95 <= 300 and int(overall["Failure Count"]) == 0:
                at_slo = max(at_slo, float(overall["Requests/s"]))
        show("load.rps_at_slo", at_slo)
        deadline = time.monotonic() + 120
        new = Document.objects.filter(id__gt=before)
        while time.monotonic() < deadline and new.filter(status="pending").exists():
            time.sleep(2)
        statuses = list(new.values_list("status", flat=True))
        show("load.documents_issued", statuses.count("issued"))
        show("load.documents_failed", statuses.count("failed"))
        show("load.documents_pending", statuses.count("pending"))
        if args.kill_users:
            kill_step(args, processes, folder, proxy, locust_env)
    finally:
        for process in processes:
            process.stop()
        from django.db import connections

        connections.close_all()
        drop_database(url)


def locust(users: int, args, prefix: Path, proxy: int, env: dict, folder: Path):
    return subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
        + ["--headless", "--only-summary", "-u", str(users), "-r", str(args.spawn_rate)]
        + ["-t", f"{args.seconds}s", "--csv", str(prefix), "--host"]
        + [f"http://127.0.0.1:{proxy}", "--stop-timeout", "10"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / f"locust-{prefix.name}.log", "w"),  # noqa: SIM115
    )


def _tree(pid: int) -> list:
    import psutil

    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(procs) -> float:
    import psutil

    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            # and its children that ended (a recycled gunicorn or Celery process, a PostgreSQL
            # backend whose connection closed): their parent has reaped them
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def part(name: str) -> str:
    return "web" if name.startswith("node") else "nginx" if name == "nginx" else "workers"


def cpu_by_part(processes) -> dict[str, float]:
    """CPU seconds so far of the web nodes, the Celery workers and nginx (their process
    trees)."""
    parts: dict[str, float] = {}
    for process in processes:
        kind = part(process.name)
        parts[kind] = parts.get(kind, 0.0) + _cpu(_tree(process.proc.pid))
    return parts


def db_cpu() -> float:
    import psutil

    return _cpu([p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"])


def kill(process) -> None:
    """SIGKILL a node or a worker with its children, as a machine that dies would."""
    import psutil

    for proc in reversed(_tree(process.proc.pid)):
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    process.proc.wait(10)


def kill_step(args, processes, folder: Path, proxy: int, env: dict) -> None:
    """--kill-users users for --seconds; halfway through node1 and worker load1 die."""
    from django.db.models import Count

    from cases.models import Case, Party
    from documents.models import Document
    from documents.services import requeue_stale

    first_case = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    first_doc = Document.objects.order_by("-id").values_list("id", flat=True).first() or 0
    prefix = folder / "kill"
    run = locust(args.kill_users, args, prefix, proxy, env, folder)
    time.sleep(args.seconds / 2)
    node, worker = processes[0], processes[2]
    kill(node)
    kill(worker)
    show("load.killed", f"{node.name} (web node) and {worker.name} (Celery worker)")
    run.wait()
    rows = read_stats(prefix)
    overall = next(r for r in rows if r["Name"] == "Aggregated")
    p95, _worst, _name = p95_without_pdf(rows)
    show("load.after_kill_requests", int(overall["Request Count"]))
    show("load.after_kill_errors", int(overall["Failure Count"]))
    show("load.after_kill_p95_ms", p95)
    with open(f"{prefix}_failures.csv", newline="") as f:
        kinds = [
            f"{r['Occurrences']}× {r['Method']} {r['Name']}: {r['Error'][:80]}"
            for r in csv.DictReader(f)
        ]
    show("load.after_kill_error_kinds", "; ".join(kinds) or "-")
    posts = next((r for r in rows if r["Name"] == "/api/v1/cases/ POST"), None)
    ok = int(posts["Request Count"]) - int(posts["Failure Count"]) if posts else 0
    failed = int(posts["Failure Count"]) if posts else 0
    cases = Case.objects.filter(id__gt=first_case, summary__startswith="【负载测试】")
    names = (
        Party.objects.filter(case__in=cases, role="applicant")
        .values("name")
        .annotate(n=Count("id"))
    )
    stored, distinct = cases.count(), names.count()
    show("load.after_kill_registered_ok", ok)
    show("load.lost", max(0, ok - distinct))
    show("load.duplicates", stored - distinct)
    show("load.in_flight_registered", f"{max(0, distinct - ok)} of {failed} failed registrations")
    new = Document.objects.filter(id__gt=first_doc)
    deadline = time.monotonic() + 120
    requeued = 0
    while time.monotonic() < deadline and new.filter(status="pending").exists():
        time.sleep(5)
        if not requeued and time.monotonic() > deadline - 90:  # what beat's task does
            requeued = requeue_stale(0)
    show("load.after_kill_documents_requeued", requeued)
    show("load.after_kill_documents_issued", new.filter(status="issued").count())
    show("load.after_kill_documents_lost", new.filter(status="pending").count())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
