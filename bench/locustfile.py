"""The staff of a county at work, for locust (run by bench/bench_load.py; SPEC §16 "Load").

Clerks, mediators, directors and supervisors in a county's proportions (3 : 4 : 1 : 1), each
waiting 1–3 s between steps. The first user of each username logs in through the login form
and fetches its API token; the others of that username share the session and the token
(a member of staff logs in once a day and then works for hours: a step of N users is N people
at work, not N logins at once, whose deliberately slow password hash — about a second of CPU
each — would otherwise be most of a step's load; every user comes from 127.0.0.1, and the
token endpoint is rate-limited per address, STACK.md). Clerks register cases
now and then (their APP documents are issued by the Celery workers); PDF downloads are named
`… pdf` so the report can leave them out of the p95 target.

The run's facts come from the environment bench_load.py sets: LOAD_PASSWORD, LOAD_ORG,
LOAD_VILLAGE."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import re
import threading

from locust import HttpUser, between, task
from stdnum.cn import ric

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
ORG = int(os.environ.get("LOAD_ORG", "0"))
VILLAGE = int(os.environ.get("LOAD_VILLAGE", "0"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_tokens: dict[str, str] = {}
_sessions: dict[str, str] = {}
_cases: dict[str, list[int]] = {}
_token_lock = threading.Lock()  # gevent's, under locust: one fetch per username, shared
BORN = dt.date(1970, 5, 1)
_serial = itertools.count(random.randrange(10_000, 90_000) * 1000)


def _id_number(n: int) -> str:
    """A valid resident ID of a person born on BORN (the party's birth date below)."""
    body = f"370281{BORN:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum's helper takes a full-length number


class Staff(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        with _token_lock:  # one login and one token per username, shared by its users
            if self.username not in _sessions:
                self.log_in()
                _sessions[self.username] = self.client.cookies.get("sessionid", "")
        self.client.cookies.set("sessionid", _sessions[self.username])
        self.api = {"Authorization": f"Token {_tokens[self.username]}"}
        if self.username not in _cases:
            listed = self.client.get("/api/v1/cases/", headers=self.api, name="/api/v1/cases/")
            _cases[self.username] = [c["id"] for c in listed.json().get("results", [])]

    def log_in(self) -> None:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        found = CSRF.search(page.text)
        answer = self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": found.group(1) if found else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/ POST",
        )
        if "/accounts/login/" in answer.url or "password" in answer.url:
            raise RuntimeError(f"{self.username} could not log in: {answer.url}")
        got = self.client.post(  # a second token for the same device would revoke the first
            "/api/v1/auth/token/",
            json={"username": self.username, "password": PASSWORD, "device": "locust"},
            name="/api/v1/auth/token/",
        )
        _tokens[self.username] = got.json()["token"]

    def case_id(self) -> int | None:
        ids = _cases.get(self.username) or []
        return random.choice(ids) if ids else None

    def case_page(self) -> None:
        if (pk := self.case_id()) is not None:
            self.client.get(f"/cases/{pk}/", name="/cases/{id}/")

    def api_case(self) -> None:
        if (pk := self.case_id()) is not None:
            self.client.get(f"/api/v1/cases/{pk}/", headers=self.api, name="/api/v1/cases/{id}/")


class Clerk(Staff):
    weight = 3
    username = "clerk"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(3)
    def case_list(self) -> None:
        self.client.get(f"/cases/?page={random.randint(1, 20)}", name="/cases/?page=")

    @task(4)
    def case(self) -> None:
        self.case_page()

    @task(3)
    def api_list(self) -> None:
        page = random.randint(1, 20)
        self.client.get(f"/api/v1/cases/?page={page}", headers=self.api, name="/api/v1/cases/")

    @task(2)
    def api_detail(self) -> None:
        self.api_case()

    @task(1)
    def register(self) -> None:
        n = next(_serial)
        parties = [
            {
                "role": role,
                "kind": "person",
                "name": f"{role[:2]}负载{n}",
                "gender": "male",
                "ethnicity": "汉族",
                "birth_date": BORN.isoformat(),
                "id_number": _id_number(n * 2 + k),
                "phone": f"139{(n * 2 + k) % 10**8:08d}",
                "address": f"东村{n % 9 + 1}组",
                "occupation": "农民",
            }
            for k, role in enumerate(("applicant", "respondent"))
        ]
        with self.client.post(
            "/api/v1/cases/",
            json={
                "organization": ORG,
                "region": VILLAGE,
                "dispute_type": "neighbour",
                "source": "application",
                "summary": "【负载测试】排水沟堵塞，双方争执。",
                "requests": "疏通排水沟",
                "occurred_on": "2026-11-01",
                "parties": parties,
            },
            headers=self.api,
            name="/api/v1/cases/ POST",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code} {answer.text[:300]}")


class Mediator(Staff):
    weight = 4
    username = "mediator"

    @task(4)
    def task_list(self) -> None:
        self.client.get("/tasks/", name="/tasks/")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(3)
    def case(self) -> None:
        self.case_page()

    @task(2)
    def api_list(self) -> None:
        self.client.get("/api/v1/cases/", headers=self.api, name="/api/v1/cases/")


class Director(Staff):
    weight = 1
    username = "director"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(2)
    def case_list(self) -> None:
        self.client.get("/cases/?status=mediation", name="/cases/?status=")

    @task(2)
    def case(self) -> None:
        self.case_page()

    @task(1)
    def pdf(self) -> None:
        if (pk := self.case_id()) is None:
            return
        docs = self.client.get(
            f"/api/v1/cases/{pk}/documents/", headers=self.api, name="/api/v1/cases/{id}/documents/"
        ).json()
        issued = [d for d in docs if isinstance(d, dict) and d.get("status") == "issued"]
        if issued:
            self.client.get(
                f"/api/v1/documents/{issued[0]['id']}/pdf/", headers=self.api, name="document pdf"
            )


class Supervisor(Staff):
    weight = 1
    username = "supervisor"

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/supervision/", name="/supervision/")

    @task(1)
    def ranking(self) -> None:
        self.client.get("/supervision/ranking/", name="/supervision/ranking/")

    @task(2)
    def api_list(self) -> None:
        self.client.get("/api/v1/cases/?risk=high", headers=self.api, name="/api/v1/cases/?risk=")
