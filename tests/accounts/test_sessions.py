"""SPEC §12 sessions: logged out after 30 minutes without a request and 12 hours after the login
whatever happens; the next page goes to the login with a Chinese message."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.contrib.sessions.models import Session

from accounts.sessions import AUTH_AT, SEEN_AT
from demo.seed import PASSWORD

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
EXPIRED = "长时间未操作，已自动退出，请重新登录。"
PAGE = "/tasks/notifications/"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(client, clerk, clock):
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_idle_timeout(logged_in, clock):
    clock.shift(dt.timedelta(minutes=29))
    assert logged_in.get(PAGE).status_code == 200
    clock.shift(dt.timedelta(minutes=29))  # 58 minutes after the login, 29 after the last page
    assert logged_in.get(PAGE).status_code == 200
    clock.shift(dt.timedelta(minutes=30, seconds=1))
    response = logged_in.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE.replace('/', '%2F')}"
    login_page = logged_in.get(response["Location"])
    assert login_page.status_code == 200 and EXPIRED in login_page.content.decode()
    # really logged out: the next page goes to the login without the message
    again = logged_in.get(PAGE)
    assert again.status_code == 302 and again["Location"].startswith("/accounts/login/")
    assert EXPIRED not in logged_in.get(again["Location"]).content.decode()


def test_absolute_timeout_whatever_happens(logged_in, clock):
    for _ in range(12 * 3 - 1):  # a page every 20 minutes for 11 h 40 min
        clock.shift(dt.timedelta(minutes=20))
        assert logged_in.get(PAGE).status_code == 200
    clock.shift(dt.timedelta(minutes=20, seconds=1))  # 12 h and 1 s after the login
    response = logged_in.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert EXPIRED in logged_in.get(response["Location"]).content.decode()
    assert logged_in.get("/").status_code == 302


def test_a_new_login_starts_a_new_clock(logged_in, clock):
    for _ in range(12 * 3 - 1):
        clock.shift(dt.timedelta(minutes=20))
        logged_in.get(PAGE)
    logged_in.post("/accounts/logout/")
    logged_in.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    clock.shift(dt.timedelta(minutes=20))  # 12 h after the first login, 20 min after this one
    assert logged_in.get(PAGE).status_code == 200
    clock.shift(dt.timedelta(minutes=20))
    assert logged_in.get(PAGE).status_code == 200


def test_an_expired_session_calls_the_api_as_nobody(logged_in, clock):
    assert logged_in.get("/api/v1/me/").status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = logged_in.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert logged_in.get(PAGE).status_code == 302


def test_the_last_use_is_written_at_most_once_a_minute(logged_in, clock, client):
    def stamps():
        session = Session.objects.get(session_key=client.cookies["sessionid"].value)
        data = session.get_decoded()
        return data[AUTH_AT], data[SEEN_AT]

    start = stamps()
    assert start[0] == start[1] == int(T0.timestamp())
    clock.shift(dt.timedelta(seconds=30))
    logged_in.get(PAGE)
    assert stamps() == start
    clock.shift(dt.timedelta(seconds=31))
    logged_in.get(PAGE)
    assert stamps() == (start[0], start[0] + 61)


def test_a_session_without_stamps_starts_its_clock(client, clerk, clock):
    client.force_login(clerk)
    session = client.session
    del session[AUTH_AT]
    del session[SEEN_AT]
    session.save()
    assert client.get(PAGE).status_code == 200
    clock.shift(dt.timedelta(minutes=29))
    assert client.get(PAGE).status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    assert client.get(PAGE).status_code == 302


def test_settings_change_the_limits(logged_in, clock, settings):
    settings.TIAOJIE_SESSION_IDLE_MINUTES = 5
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    assert logged_in.get(PAGE).status_code == 302
