"""Every request has an id (config.middleware.RequestIdMiddleware): the client's X-Request-ID when
it is a sane token, a fresh one otherwise; sent back, and on every log line of the request
(config/log.py), one JSON object a line with LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
import re
import sys

import pytest

from config.log import (
    JsonFormatter,
    RequestIdFilter,
    current_request_id,
    request_id_token,
    reset_request_id,
)
from web.views import health

pytestmark = pytest.mark.django_db
GENERATED = re.compile(r"[0-9a-f]{32}")


def test_an_id_is_made_when_none_is_sent(client):
    first = client.get("/healthz/")["X-Request-ID"]
    second = client.get("/healthz/")["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


@pytest.mark.parametrize("given", ["a", "lb-7f3a.node_2", "A" * 64])
def test_a_sane_id_is_echoed(client, given):
    assert client.get("/healthz/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given", ["", "A" * 65, "two words", "id\r\nSet-Cookie: x=1", "编号1", "a/b", "{json}"]
)
def test_a_bad_id_is_replaced(client, given):
    sent = client.get("/healthz/", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert GENERATED.fullmatch(sent)


def test_redirects_and_errors_carry_it_too(client):
    assert client.get("/", HTTP_X_REQUEST_ID="r-1")["X-Request-ID"] == "r-1"  # to the login
    assert client.get("/no-such-page/", HTTP_X_REQUEST_ID="r-2")["X-Request-ID"] == "r-2"


@pytest.fixture
def json_lines():
    """What the root logger writes through a handler set up as LOG_FORMAT=json sets it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_log_lines_of_a_request_carry_its_id_as_json(client, settings, monkeypatch, json_lines):
    settings.CELERY_BROKER_URL = ""

    class Down:
        def set(self, *args, **kwargs):
            raise ConnectionError("cache down")

    monkeypatch.setattr(health, "cache", Down())
    response = client.get("/readyz/", HTTP_X_REQUEST_ID="trace-42")
    assert response.status_code == 503
    logging.getLogger("tiaojie.test").warning("after the request")
    lines = json_lines()
    ours = next(line for line in lines if line["logger"] == "web.views.health")
    assert ours["request_id"] == "trace-42" and ours["level"] == "WARNING"
    assert ours["message"] == "readyz: the cache check failed"
    assert "ConnectionError: cache down" in ours["exception"]
    # Django's own line, written after the middleware has returned, has it too.
    django_line = next(line for line in lines if line["logger"] == "django.request")
    assert django_line["request_id"] == "trace-42"
    assert "Service Unavailable: /readyz/" in django_line["message"]
    # Outside a request: "-".
    assert lines[-1]["message"] == "after the request" and lines[-1]["request_id"] == "-"
    assert current_request_id() == "-"


def test_json_formatter_fields():
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "第%d件\n下一行", (3,), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "第3件\n下一行" and entry["level"] == "ERROR"
    assert entry["logger"] == "x" and entry["request_id"] == "-"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    assert entry["exception"].startswith("Traceback") and "ValueError: 坏了" in entry["exception"]


def test_a_task_runs_with_the_id_of_the_request_that_queued_it():
    """config/celery.py: the publisher puts the id in the message's headers; the worker sets it
    for the run and puts back what was there before (an eager task runs inside its request)."""
    from config import celery as tasks_app

    headers: dict[str, str] = {}
    tasks_app._put_request_id(headers=headers)
    assert headers == {}  # outside a request: nothing to carry
    token = request_id_token("req-9")
    try:
        tasks_app._put_request_id(headers=headers)
        assert headers == {tasks_app.HEADER: "req-9"}

        class Request:
            tiaojie_request_id = "queued-by-another"

        class Task:
            request = Request()

        tasks_app._take_request_id(task_id="t1", task=Task())
        assert current_request_id() == "queued-by-another"
        tasks_app._drop_request_id(task_id="t1")
        assert current_request_id() == "req-9"
        # A task with no id sent (an eager one, or one queued outside a request) changes nothing.
        tasks_app._take_request_id(task_id="t2", task=object())
        tasks_app._drop_request_id(task_id="t2")
        assert current_request_id() == "req-9"
    finally:
        reset_request_id(token)
    assert current_request_id() == "-"
