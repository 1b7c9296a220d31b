"""The lockout holds across processes (SPEC §12: "shared by every worker and every node, never
per-process memory"): a real gunicorn with two workers on PostgreSQL, the wrong passwords sent
over HTTP to the web form, /admin/login/ and the token endpoint at once, then many requests with
the right password, every one refused by whichever worker answers it.

Run with the services suite, e.g.
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_accounts .venv/bin/pytest -m services
tests/accounts/test_lockout_gunicorn.py` (pytest-django creates and migrates `test_<name>`).
Which worker answered each request is read from gunicorn's access log (`%(p)s`, the worker's
pid, next to the request's own `X-Seq` header)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.db import connection

from demo.seed import PASSWORD

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
# The date is named too when the lock ends after midnight (a run at 23:50).
LOCKED = re.compile(r"该账户连续 5 次密码错误，已锁定至 (\d{1,2}月\d{1,2}日 )?\d\d:\d\d。")
UA = "tiaojie-lockout-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path, world, settings):
    if connection.vendor != "postgresql":
        pytest.fail("needs DATABASE_URL=postgres://… (a PostgreSQL test database): see .ci/run")
    # The clerk's password with a hasher gunicorn knows (the tests' fast MD5 is not in its list).
    from django.contrib.auth.models import User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    clerk = User.objects.get(username="clerk")
    clerk.set_password(PASSWORD)
    clerk.save()

    db = connection.settings_dict
    port = _free_port()
    access = tmp_path / "access.log"
    env = os.environ | {
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CONN_MAX_AGE": "0",
        # The token endpoint's own rate limits stay out of the way: the lockout is what is tested.
        "API_TOKEN_RATE": "100000/minute",
        "API_TOKEN_USER_RATE": "100000/hour",
        "LOG_LEVEL": "WARNING",
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access),
            "--access-logformat",
            "%({x-seq}i)s %(p)s %(s)s %(U)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:  # the server stops however the test ends, its own start included
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                if requests.get(f"{base}/healthz/", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or its first request still loading Django
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        yield Server(base, access)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
        print((tmp_path / "gunicorn.log").read_text()[-2000:])


class Server:
    def __init__(self, base: str, access: Path):
        self.base = base
        self.access = access
        self._seq = 0
        self._lock = threading.Lock()

    def seq(self) -> str:
        with self._lock:
            self._seq += 1
            return str(self._seq)

    def workers(self, seqs: set[str]) -> set[str]:
        """The pids of the workers that answered the requests numbered `seqs`."""
        time.sleep(0.5)  # the access log is written after the answer
        pids = set()
        for line in self.access.read_text().splitlines():
            seq, pid, *_ = line.split()
            if seq in seqs:
                pids.add(pid)
        return pids

    # --- one login, each way in; returns (seq, status, text) ---------------------------------
    def _form(self, path: str, username: str, password: str) -> tuple[str, int, str]:
        session = requests.Session()
        session.headers["User-Agent"] = UA
        page = session.get(self.base + path, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        seq = self.seq()
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": password,
        }
        if path.startswith("/admin/"):
            data["next"] = "/admin/"
        answer = session.post(
            self.base + path, data=data, headers={"X-Seq": seq}, allow_redirects=False, timeout=30
        )
        return seq, answer.status_code, answer.text

    def web(self, username: str, password: str) -> tuple[str, int, str]:
        return self._form("/accounts/login/", username, password)

    def admin(self, username: str, password: str) -> tuple[str, int, str]:
        return self._form("/admin/login/", username, password)

    def token(self, username: str, password: str) -> tuple[str, int, str]:
        seq = self.seq()
        answer = requests.post(
            self.base + "/api/v1/auth/token/",
            json={"username": username, "password": password},
            headers={"X-Seq": seq, "User-Agent": UA},
            timeout=30,
        )
        return seq, answer.status_code, answer.text


def _all_at_once(calls: list[Callable[[], tuple[str, int, str]]], threads: int):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_the_lock_holds_on_both_workers(server):
    # 5 wrong passwords at once, over the three ways in: both workers count them, in the database.
    ways = [server.web, server.admin, server.token, server.web, server.token]
    failed = _all_at_once([lambda w=w: w("clerk", "wrong-password") for w in ways], threads=5)
    assert {status for _, status, _ in failed} <= {200, 400, 429}, failed
    assert len(server.workers({seq for seq, _, _ in failed})) == 2
    attempts = AccessAttempt.objects.filter(username="clerk")
    assert sum(a.failures_since_start for a in attempts) == 5

    # Then the right password, 60 times, 8 at a time: every answer is the lockout, whoever answers.
    calls = [w for _ in range(20) for w in (server.web, server.admin, server.token)]
    answers = _all_at_once([lambda w=w: w("clerk", PASSWORD) for w in calls], threads=8)
    for (seq, status, text), way in zip(answers, calls, strict=True):
        assert status == 429, (seq, status, text[:300])
        assert LOCKED.search(text), text[:300]
        if way == server.token:
            assert '"code":"account_locked"' in text.replace(" ", "")
    assert len(server.workers({seq for seq, _, _ in answers})) == 2
    assert not AccessLog.objects.filter(username="clerk").exists()  # nobody got in
    assert sum(a.failures_since_start for a in attempts.all()) == 5  # the lock did not move

    # An admin unlocks: both workers let the clerk in at once.
    call_command("axes_reset_username", "clerk")
    answers = _all_at_once([lambda: server.web("clerk", PASSWORD) for _ in range(10)], threads=5)
    assert {status for _, status, _ in answers} == {302}, answers
    assert len(server.workers({seq for seq, _, _ in answers})) == 2
