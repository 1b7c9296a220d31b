"""Two web nodes behind nginx (SPEC §16, docs/DEPLOY.md "How CI proves two nodes"): the
deployment of deploy/ on loopback ports — two gunicorn nodes (deploy/gunicorn.conf.py), Debian's
nginx with a configuration generated from deploy/nginx/tiaojie.conf, two Celery workers, Redis
(cache and broker), PostgreSQL and SeaweedFS (the private files) — and one case walked through
the API across both nodes: each user's token from one node, each step on the other one in turn,
the documents issued by the Celery workers into the bucket, every PDF downloaded through nginx
and compared with its SHA-256. The sessions and the token endpoint's throttle are shown to be
shared (a login on one node is a login on the other; the rate counts both nodes' requests, in
Redis), and both nodes, through nginx, and both workers are shown to have done work.

Run with the services suite (.ci/run, which installs nginx), e.g.
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_nodes
.venv/bin/pytest -q -m services tests/services/test_two_nodes.py`; the nodes' cache and broker
are the Redis database TIAOJIE_NODES_REDIS_URL (redis://127.0.0.1:6379/13), emptied first. Helpers from the two-worker lockout test
(tests/accounts/test_lockout_gunicorn.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests
from celery import Celery
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from demo.seed import PASSWORD
from tests.accounts.test_lockout_gunicorn import UA, _free_port
from tests.factories import party
from tests.services.deployment import (
    Process,
    start_nginx,
    start_node,
    start_worker,
    wait_ready,
    wait_until,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
# The nodes' cache and broker: a Redis database of this test's own (emptied when it starts).
REDIS_URL = os.environ.get("TIAOJIE_NODES_REDIS_URL", "redis://127.0.0.1:6379/13")
TOKEN_RATE = 8  # per minute per address for the nodes: the walk's logins, then the throttle


@pytest.fixture
def deployment(tmp_path, world, seaweedfs, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.fail("needs DATABASE_URL=postgres://… (a PostgreSQL test database): see .ci/run")
    broker = REDIS_URL
    try:
        redis.Redis.from_url(broker).flushdb()  # this test's own database: cache and broker
    except redis.ConnectionError:
        pytest.fail(f"needs Redis at {broker} (TIAOJIE_NODES_REDIS_URL): see .ci/run")
    # The users' passwords with a hasher the nodes know (the tests' fast MD5 is not in theirs).
    from django.contrib.auth.models import User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for user in User.objects.filter(username__in=["clerk", "mediator", "director"]):
        user.set_password(PASSWORD)
        user.save()

    bucket = seaweedfs.new_bucket()
    db = connection.settings_dict
    env = (
        dict(os.environ)
        | {
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "CONN_MAX_AGE": "0",
            "CACHE_URL": broker,
            "CELERY_BROKER_URL": broker,
            "TIAOJIE_TRUSTED_PROXIES": "1",
            "API_TOKEN_RATE": f"{TOKEN_RATE}/minute",
            "LOG_LEVEL": "WARNING",
            "TIAOJIE_WEB_WORKERS": "1",
        }
        | seaweedfs.env(bucket)
    )
    nodes = [_free_port(), _free_port()]
    while nodes[1] == nodes[0]:
        nodes[1] = _free_port()
    processes: list[Process] = []
    try:
        for i, port in enumerate(nodes, 1):
            processes.append(start_node(f"node{i}", port, env=env, folder=tmp_path))
        for i in (1, 2):
            processes.append(start_worker(f"worker{i}", env=env, folder=tmp_path))
        proxy = _free_port()
        while proxy in nodes:
            proxy = _free_port()
        processes.append(start_nginx(tmp_path, proxy, nodes))
        deployment = Deployment(nodes, proxy, processes, seaweedfs, bucket, broker)
        wait_ready(nodes, processes)
        # The workers are asked over their own broker. A Celery app's broker_url gives way to
        # the environment's CELERY_BROKER_URL (celery.app.utils.Settings), which `make
        # test-services` sets for this process to another Redis database, and the control
        # commands publish through the app's own producer pool: the environment is what must
        # name the nodes' broker (two CI runs waited here for pings sent to the wrong one).
        monkeypatch.setenv("CELERY_BROKER_URL", broker)
        deployment.control = Celery(broker=broker, set_as_current=False).control
        names = {"worker1", "worker2"}

        def both_answer() -> bool:
            replies = deployment.control.ping(timeout=2)
            return names <= {name.split("@")[0] for reply in replies for name in reply}

        wait_until(both_answer, processes, "both workers up", timeout=120)
        yield deployment
    finally:
        for process in processes:  # all at once: each stops in its own time
            if process.proc.poll() is None:
                process.proc.terminate()
        for process in processes:
            process.stop()
        for process in processes:
            print(f"--- {process.name}\n{process.tail(1500)}")
            if prefix := getattr(process, "prefix", None):
                shutil.rmtree(prefix, ignore_errors=True)


class Deployment:
    def __init__(self, nodes, proxy, processes, seaweedfs, bucket, broker):
        self.nodes, self.proxy, self.processes = nodes, proxy, processes
        self.seaweedfs, self.bucket, self.broker = seaweedfs, bucket, broker
        self.by_name = {p.name: p for p in processes}

    def node(self, i: int) -> str:
        return f"http://127.0.0.1:{self.nodes[i % 2]}"

    @property
    def nginx(self) -> str:
        return f"http://127.0.0.1:{self.proxy}"

    def token(self, i: int, username: str) -> requests.Session:
        answer = requests.post(
            f"{self.node(i)}/api/v1/auth/token/",
            json={"username": username, "password": PASSWORD},
            headers={"User-Agent": UA},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        session = requests.Session()
        session.headers.update({"Authorization": f"Token {answer.json()['token']}"})
        session.headers["User-Agent"] = UA
        return session

    def access_lines(self, i: int) -> list[str]:
        """Node i's gunicorn access log lines (deploy/gunicorn.conf.py logs to stdout)."""
        lines = self.by_name[f"node{i}"].log.read_text(errors="replace").splitlines()
        return [line for line in lines if re.search(r'"(GET|POST) ', line)]


def test_a_case_walks_across_two_nodes_behind_nginx(deployment, world):
    d = deployment
    step = iter(range(10**6))  # the steps go to node 0, 1, 0, 1, …

    def call(session, method, path, body=None, expect=200):
        base = d.node(next(step))
        data = None if body is None else json.dumps(body, cls=DjangoJSONEncoder).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        answer = session.request(method, base + path, data=data, headers=headers, timeout=60)
        assert answer.status_code == expect, (base, path, answer.status_code, answer.text[:500])
        return answer.json()

    # Tokens: each issued by one node, used on both.
    clerk, mediator, director = (
        d.token(i, u) for i, u in enumerate(["clerk", "mediator", "director"])
    )

    # The token endpoint's throttle (per client address) counts both nodes' requests together,
    # in Redis: TOKEN_RATE a minute in all, three of them taken by the tokens just issued.
    statuses = []
    for i in range(TOKEN_RATE):
        answer = requests.post(
            f"{d.node(i)}/api/v1/auth/token/",
            # a new name each time: the lockout (django-axes, per name) stays out of it
            json={"username": f"nobody-{i}", "password": "wrong"},
            headers={"User-Agent": UA},
            timeout=30,
        )
        code = answer.json()["error"]["code"] if answer.status_code >= 400 else ""
        statuses.append((i % 2, answer.status_code, code))
    allowed = TOKEN_RATE - 3
    assert all(s != 429 for _, s, _ in statuses[:allowed]), statuses
    assert {(s, c) for _, s, c in statuses[allowed:]} == {(429, "throttled")}, statuses
    assert {n for n, s, _ in statuses[allowed:]} == {0, 1}  # refused by both nodes
    # Neither node alone saw TOKEN_RATE requests (tokens from nodes 0, 1, 0, then the loop's
    # four each: 6 and 5), so a count kept per process would have refused none of them.
    seen = {
        node: [0, 1, 0].count(node) + [n for n, _, _ in statuses].count(node) for node in (0, 1)
    }
    assert seen == {0: 6, 1: 5} and max(seen.values()) < TOKEN_RATE
    keys = redis.Redis.from_url(d.broker).keys("tiaojie:*")
    assert any(b"throttle" in k for k in keys), keys

    now = dt.datetime.now(dt.UTC).isoformat()
    case = call(
        clerk,
        "POST",
        "/api/v1/cases/",
        {
            "organization": world["east"].pk,
            "region": world["east_village"].pk,
            "dispute_type": "neighbour",
            "source": "application",
            "summary": "排水沟堵塞",
            "parties": [party("applicant", 1), party("respondent", 2)],
        },
        201,
    )
    pk = case["id"]
    members = call(clerk, "GET", f"/api/v1/organizations/{world['east'].pk}/members/?role=mediator")
    mediator_id = next(m["id"] for m in members if m["username"] == "mediator")
    steps = [
        (clerk, "transitions/accept/", {"mediators": [mediator_id]}, 200),
        (
            mediator,
            "investigations/",
            {
                "conducted_at": now,
                "place": "村委会",
                "interviewee": "当事人app1",
                "content": "了解情况",
            },
            201,
        ),
        (mediator, "transitions/start_mediation/", {}, 200),
        (
            mediator,
            "sessions/",
            {
                "held_at": now,
                "place": "调解室",
                "attendees": "双方",
                "content": "陈述",
                "result": "同意",
            },
            201,
        ),
        (
            mediator,
            "transitions/record_agreement/",
            {
                "kind": "written",
                "terms": ["被申请人疏通排水沟"],
                "performance_method": "转账",
                "performance_deadline": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
                "amount": "5000",
                "signatures_complete": True,
            },
            200,
        ),
        (director, "transitions/approve_closure/", {}, 200),
        (
            mediator,
            "follow-ups/",
            {
                "visited_at": now,
                "method": "phone",
                "visitee": "当事人app1",
                "performance": "performed",
                "satisfaction": "satisfied",
            },
            201,
        ),
        (clerk, "transitions/archive/", {}, 200),
    ]
    for session, path, body, expect in steps:
        call(session, "POST", f"/api/v1/cases/{pk}/{path}", body, expect)
    assert call(clerk, "GET", f"/api/v1/cases/{pk}/")["status"] == "archived"

    # The Celery workers issue the nine documents into the bucket.
    codes = ["APP", "REG", "NOT", "INV", "MED", "AGR", "CLS", "FUV", "DOS"]
    docs: list[dict] = []

    def all_issued() -> bool:
        docs[:] = call(clerk, "GET", f"/api/v1/cases/{pk}/documents/")
        assert not [x for x in docs if x["status"] == "failed"], docs
        return len(docs) == len(codes) and all(x["status"] == "issued" for x in docs)

    wait_until(all_issued, d.processes, "the documents issued", timeout=240)
    assert sorted(x["code"] for x in docs) == sorted(codes)
    stored = d.seaweedfs.objects(d.bucket)
    assert len(stored) == len(codes)
    assert {hashlib.sha256(b).hexdigest() for b in stored.values()} == {x["sha256"] for x in docs}

    # Every PDF downloaded through nginx, byte-exact; nginx spread them over both nodes.
    upstreams = []
    for doc in docs:
        answer = clerk.get(d.nginx + urlsplit(doc["pdf_url"]).path, timeout=60)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF") and len(answer.content) == doc["size"]
        assert hashlib.sha256(answer.content).hexdigest() == doc["sha256"]
        upstreams.append(answer.headers["X-Upstream"])
        assert answer.headers.get("X-Request-ID")
    assert set(upstreams) == {f"127.0.0.1:{p}" for p in d.nodes}, upstreams
    print(f"nginx upstreams of the {len(upstreams)} downloads: {upstreams}")

    # Both workers issued documents (their own counts, asked over the broker).
    stats = d.control.inspect(timeout=2).stats() or {}
    issued_by = {
        name: info.get("total", {}).get("documents.issue", 0) for name, info in stats.items()
    }
    assert len(issued_by) == 2 and all(issued_by.values()), issued_by
    assert sum(issued_by.values()) >= len(codes), issued_by
    print(f"documents issued per worker: {issued_by}")

    # A web login on one node is a login on the other (sessions shared).
    browser = requests.Session()
    browser.headers["User-Agent"] = UA
    page = browser.get(f"{d.node(0)}/accounts/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = browser.post(
        f"{d.node(0)}/accounts/login/",
        data={"csrfmiddlewaretoken": csrf, "username": "clerk", "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:300]
    home = browser.get(f"{d.node(1)}/", allow_redirects=False, timeout=30)
    assert home.status_code == 200, (home.status_code, home.headers.get("Location"))
    anonymous = requests.get(f"{d.node(1)}/", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]

    # Both nodes answered API requests.
    for i in (1, 2):
        assert [line for line in d.access_lines(i) if "/api/v1/" in line], i
