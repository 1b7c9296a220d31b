"""SPEC §12 login failures: 5 failures of a username, from any address and on any of the three
ways in (the web form, the admin login, the API token), lock it for 15 minutes with a Chinese
message naming the time; a forged X-Forwarded-For changes nothing; an admin unlocks it."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from demo.seed import PASSWORD

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 16, 30, tzinfo=TZ)
LOCKED = "该账户连续 5 次密码错误，已锁定至 16:45。请届时再试，或请系统管理员解锁。"
WRONG = "用户名或密码不正确"
WEB, ADMIN, TOKEN = "/accounts/login/", "/admin/login/", "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _clean_cache(db):
    cache.clear()  # the token endpoint's throttle counters
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def web(client, username, password, **extra):
    return client.post(WEB, {"username": username, "password": password}, **extra)


def admin_login(client, username, password, **extra):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(ADMIN, data, **extra)


def token(username, password, **extra):
    body = {"username": username, "password": password}
    return APIClient().post(TOKEN, body, format="json", **extra)


def assert_locked_page(response):
    assert response.status_code == 429, response.content[:300]
    body = response.content.decode()
    assert LOCKED in body
    assert WRONG not in body
    assert int(response["Retry-After"]) == 15 * 60
    return body


def assert_locked_json(response, retry_after=15 * 60):
    assert response.status_code == 429, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {"code": "account_locked", "message": LOCKED, "fields": {}}}
    assert int(response["Retry-After"]) == retry_after


def test_web_form_locks_on_the_fifth_failure(client, clerk, frozen):
    for n in range(4):
        response = web(client, "clerk", f"wrong-{n}")
        assert response.status_code == 200 and WRONG in response.content.decode()
    body = assert_locked_page(web(client, "clerk", "wrong-4"))
    assert 'id="id_username"' in body and 'value="clerk"' in body  # the login page, again
    # the 6th try, wrong or right, is refused with the same message and logs nobody in
    assert_locked_page(web(client, "clerk", "wrong-5"))
    assert_locked_page(web(client, "clerk", PASSWORD))
    assert client.get("/").status_code == 302
    # the lock does not move while it holds: still "until 16:45" a few minutes later
    frozen.shift(dt.timedelta(minutes=10))
    later = web(client, "clerk", PASSWORD)
    assert later.status_code == 429
    assert "已锁定至 16:45" in later.content.decode()
    assert int(later["Retry-After"]) == 5 * 60
    # 15 minutes after the 5th failure the right password works, and the count starts again
    frozen.shift(dt.timedelta(minutes=5, seconds=1))
    assert web(client, "clerk", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_admin_login_locks_too(client, admin_user, frozen):
    for n in range(4):
        response = admin_login(client, "admin", f"wrong-{n}")
        assert response.status_code == 200 and "errornote" in response.content.decode()
    body = assert_locked_page(admin_login(client, "admin", "wrong-4"))
    assert 'class="errornote"' in body and "调解 · 系统管理" in body  # the admin's own page
    assert_locked_page(admin_login(client, "admin", PASSWORD))
    assert client.get("/admin/").status_code == 302


def test_token_endpoint_locks_with_json(clerk, frozen):
    for n in range(4):
        response = token("clerk", f"wrong-{n}")
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert_locked_json(token("clerk", "wrong-4"))
    right = token("clerk", PASSWORD)
    assert_locked_json(right)
    assert "token" not in right.json()


def test_failures_add_up_across_the_three_ways_in(client, admin_user, frozen):
    web(client, "admin", "wrong-1")
    web(client, "admin", "wrong-2")
    admin_login(client, "admin", "wrong-3")
    token("admin", "wrong-4")
    assert_locked_json(token("admin", "wrong-5"))
    assert_locked_page(web(client, "admin", PASSWORD))
    assert_locked_page(admin_login(client, "admin", PASSWORD))


def test_forged_forwarded_for_changes_nothing(client, clerk, frozen):
    # No trusted proxy (the default): the header is ignored, every try is the same address.
    for n in range(4):
        response = web(client, "clerk", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1")
        assert response.status_code == 200
    assert_locked_page(web(client, "clerk", "wrong", HTTP_X_FORWARDED_FOR="10.0.9.1"))
    assert_locked_page(web(client, "clerk", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7"))
    assert_locked_json(token("clerk", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1"))
    attempt = AccessAttempt.objects.get(username="clerk")
    assert (attempt.ip_address, attempt.failures_since_start) == ("127.0.0.1", 5)


def test_many_addresses_behind_a_trusted_proxy_still_lock(client, clerk, frozen, settings):
    # One trusted proxy: each try really comes from another address; the username locks anyway.
    settings.TIAOJIE_TRUSTED_PROXIES = 1
    for n in range(4):
        web(client, "clerk", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1", REMOTE_ADDR="10.9.9.9")
    assert AccessAttempt.objects.filter(username="clerk").count() == 4
    assert_locked_page(web(client, "clerk", "wrong", HTTP_X_FORWARDED_FOR="10.0.8.1"))
    assert_locked_page(web(client, "clerk", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.7.1"))


def test_an_unknown_username_gets_the_same_answers(client, world, frozen):
    for n in range(4):
        assert WRONG in web(client, "nobody", f"x{n}").content.decode()
    assert_locked_page(web(client, "nobody", "x4"))


def test_the_lock_holds_until_the_failure_that_reached_the_limit_ages_out(client, clerk, frozen):
    # Two failures at 16:30 from one browser, three at 16:35 from another: locked until the
    # older two age out at 16:45 (what is left, 3, is under the limit).
    web(client, "clerk", "w")
    web(client, "clerk", "w")
    frozen.shift(dt.timedelta(minutes=5))
    web(client, "clerk", "w", HTTP_USER_AGENT="other")
    web(client, "clerk", "w", HTTP_USER_AGENT="other")
    assert_locked_json(token("clerk", "w", HTTP_USER_AGENT="other"), retry_after=10 * 60)


def test_unlock_with_the_command(client, clerk, frozen):
    for n in range(5):
        web(client, "clerk", f"wrong-{n}")
    assert_locked_page(web(client, "clerk", PASSWORD))
    call_command("axes_reset_username", "clerk")
    assert web(client, "clerk", PASSWORD).status_code == 302


def test_unlock_in_the_admin(client, clerk, admin_user, frozen):
    for n in range(5):
        token("clerk", f"wrong-{n}")
    assert_locked_json(token("clerk", PASSWORD))
    staff = type(client)()
    staff.force_login(admin_user)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "clerk" in listing.content.decode()
    ids = [
        str(pk)
        for pk in AccessAttempt.objects.filter(username="clerk").values_list("pk", flat=True)
    ]
    response = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="clerk").exists()
    assert token("clerk", PASSWORD).status_code == 200


def test_failures_and_successes_are_logged_without_the_password(client, clerk, caplog, frozen):
    caplog.set_level(logging.INFO)
    secret = "Secret-Guess-4711"
    for _ in range(2):
        web(client, "clerk", secret)
    token("clerk", secret)
    assert web(client, "clerk", PASSWORD).status_code == 302
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "login failure" in text and "Successful login" in text and "clerk" in text
    assert secret not in text and PASSWORD not in text
    for _ in range(5):
        web(client, "clerk", secret)
    token("clerk", secret)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Locking out" in text and secret not in text
    stored = AccessAttempt.objects.get(username="clerk")
    assert secret not in stored.post_data and secret not in stored.get_data


def test_a_lock_that_ends_after_midnight_names_the_day(client, clerk):
    from accounts.lockout import until_label

    late = dt.datetime(2026, 12, 2, 23, 57, 30, tzinfo=TZ)
    assert until_label(late + dt.timedelta(minutes=15), late) == "12月3日 00:13"
    # 23:59:30 rounds up to the next minute, which is tomorrow
    assert until_label(late + dt.timedelta(minutes=2), late) == "12月3日 00:00"
    assert until_label(late - dt.timedelta(minutes=2), late) == "23:56"

    with time_machine.travel(dt.datetime(2026, 12, 2, 23, 50, tzinfo=TZ), tick=False):
        for n in range(5):
            answer = client.post(WEB, {"username": "clerk", "password": f"wrong-{n}"})
        assert answer.status_code == 429
        assert "已锁定至 12月3日 00:05。" in answer.content.decode()
