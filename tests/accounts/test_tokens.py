"""API tokens (SPEC §12, accounts/tokens.py): stored hashed, expiring after 30 days, one per
device name, listed and revoked by their owner (`/api/v1/auth/tokens/` and the 令牌 page), the
use recorded at most once a minute, and DRF's old clear-text tokens carried over by migration."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token

from accounts import tokens
from accounts.models import ApiToken
from demo.seed import PASSWORD
from tests.api import api, error, url

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
FIELDS = {"id", "device", "created_at", "last_used_at", "expires_at"}


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    # The token endpoint's throttle counters live in the (database) cache.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def obtain(username: str = "clerk", **body):
    return api().post(
        url("token"), {"username": username, "password": PASSWORD, **body}, format="json"
    )


def with_token(token: str):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- issuing ------------------------------------------------------------------------------
def test_token_answer_has_the_token_and_its_expiry(clerk):
    with time_machine.travel(START, tick=False):
        response = obtain(device="张三的手机")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert dt.datetime.fromisoformat(body["expires_at"]) == START + dt.timedelta(days=30)
    row = ApiToken.objects.get(user=clerk)
    assert row.device == "张三的手机"


def test_token_is_stored_hashed_nowhere_in_clear(clerk):
    token = obtain(device="phone").json()["token"]
    row = ApiToken.objects.get(user=clerk)
    assert row.digest == hash_token(token) != token
    assert token.startswith(row.token_key) and len(row.token_key) < len(token)
    # No column of any table holds the token.
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for values in cursor.fetchall():
                if any(isinstance(v, str) and token in v for v in values):
                    found.append(table)
    assert found == []


def test_one_token_per_device_the_old_one_stops(clerk):
    phone1 = obtain(device="phone").json()["token"]
    tablet = obtain(device="tablet").json()["token"]
    phone2 = obtain(device="phone").json()["token"]
    error(with_token(phone1).get(url("me")), 401, "not_authenticated")
    assert with_token(phone2).get(url("me")).status_code == 200
    assert with_token(tablet).get(url("me")).status_code == 200
    assert sorted(ApiToken.objects.filter(user=clerk).values_list("device", flat=True)) == [
        "phone",
        "tablet",
    ]


def test_no_device_is_the_unnamed_one(clerk, client):
    obtain()
    assert ApiToken.objects.get(user=clerk).device == ""
    listed = with_token(obtain(device="x").json()["token"]).get(url("tokens")).json()
    assert sorted(t["device"] for t in listed) == ["", "x"]
    client.force_login(clerk)
    assert "未命名设备" in client.get(reverse("tokens")).content.decode()


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("长" * 101, "设备名称不能超过 100 个字符。"),
        (5, "设备名称须为字符串。"),
        (None, "设备名称须为字符串。"),
        (["phone"], "设备名称须为字符串。"),
        ({"name": "phone"}, "设备名称须为字符串。"),
    ],
)
def test_bad_device_is_400_in_chinese(clerk, device, message):
    err = error(obtain(device=device), 400, "invalid")
    assert err["fields"] == {"device": [message]}
    assert err["message"] == f"device: {message}"
    assert not ApiToken.objects.exists()


def test_device_of_100_characters_is_fine(clerk):
    assert obtain(device="长" * 100).status_code == 200


def test_unknown_key_and_wrong_password_issue_nothing(clerk):
    error(obtain(device="x", extra=1), 400, "invalid")
    error(
        api().post(url("token"), {"username": "clerk", "password": "bad"}, format="json"),
        400,
        "invalid",
    )
    assert not ApiToken.objects.exists()


def test_inactive_user_token_is_refused(clerk):
    token = obtain().json()["token"]
    clerk.is_active = False
    clerk.save()
    err = error(with_token(token).get(url("me")), 401, "not_authenticated")
    assert err["message"] == "账户已停用。"


def test_lockout_still_applies_to_the_token_endpoint(clerk, settings):
    # django-axes sees authenticate(request=...): after 5 failures the right password is refused.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "100/minute", "auth_token_user": "100/hour"},
    }
    for _ in range(5):
        api().post(url("token"), {"username": "clerk", "password": "bad"}, format="json")
    assert obtain().status_code != 200
    assert not ApiToken.objects.exists()


# --- using --------------------------------------------------------------------------------
def test_token_expires_after_30_days(clerk):
    with time_machine.travel(START, tick=False):
        token = obtain().json()["token"]
    with time_machine.travel(START + dt.timedelta(days=29, hours=23), tick=False):
        assert with_token(token).get(url("me")).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=30, minutes=1), tick=False):
        response = with_token(token).get(url("me"))
        err = error(response, 401, "not_authenticated")
    assert err["message"] == tokens.INVALID
    assert response["WWW-Authenticate"] == "Token"
    assert not ApiToken.objects.exists()  # knox deletes an expired token on sight


def test_token_lifetime_is_the_setting(clerk, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=7)}
    with time_machine.travel(START, tick=False):
        body = obtain().json()
    assert dt.datetime.fromisoformat(body["expires_at"]) == START + dt.timedelta(days=7)


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token not-a-token",
        "Token " + "0" * 64,
        "Token ÿÿÿÿ",  # Latin-1 bytes knox would decode as UTF-8 (a 500)
        "token " + "a" * 500,
    ],
)
def test_malformed_token_header_is_401_in_chinese(world, header):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=header)
    err = error(client.get(url("me")), 401, "not_authenticated")
    assert err["message"] == tokens.INVALID


def test_anonymous_is_401(world):
    for response in (
        api().get(url("tokens")),
        api().delete(url("token-detail", uuid.uuid4())),
    ):
        err = error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"
        assert err["message"]


def test_last_used_at_written_at_most_once_a_minute(clerk):
    with time_machine.travel(START, tick=False):
        token = obtain().json()["token"]
    row = ApiToken.objects.get(user=clerk)
    assert row.last_used_at is None
    client = with_token(token)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        assert client.get(url("me")).status_code == 200
        row.refresh_from_db()
        assert row.last_used_at == START + dt.timedelta(minutes=5)
    # A busy client: no write for the next minute.
    with time_machine.travel(START + dt.timedelta(minutes=5, seconds=50), tick=False):
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                assert client.get(url("me")).status_code == 200
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
        assert writes == []
        row.refresh_from_db()
        assert row.last_used_at == START + dt.timedelta(minutes=5)
    with time_machine.travel(START + dt.timedelta(minutes=6, seconds=1), tick=False):
        assert client.get(url("me")).status_code == 200
        row.refresh_from_db()
        assert row.last_used_at == START + dt.timedelta(minutes=6, seconds=1)


def test_a_signed_in_request_reads_its_token_once(clerk):
    client = with_token(obtain().json()["token"])
    client.get(url("me"))  # the first use writes last_used_at
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("me")).status_code == 200
    touching = [q["sql"] for q in queries if "accounts_apitoken" in q["sql"]]
    assert len(touching) == 1 and touching[0].lstrip().upper().startswith("SELECT")


def test_expired_tokens_are_deleted_when_the_user_is_issued_one(clerk):
    with time_machine.travel(START, tick=False):
        tokens.issue(clerk, "old phone")
        tokens.issue(clerk, "laptop")
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        tokens.issue(clerk, "new phone")
    assert list(ApiToken.objects.values_list("device", flat=True)) == ["new phone"]


def test_touch_writes_once_for_two_workers_at_once(clerk):
    row, _ = tokens.issue(clerk, "phone")
    stale_copy = ApiToken.objects.get(pk=row.pk)
    now = timezone.now()
    assert tokens.touch(row, now) is True
    # The second worker read the row before the first wrote: its conditional UPDATE finds none.
    assert tokens.touch(stale_copy, now + dt.timedelta(seconds=1)) is False


# --- the list and revoking -----------------------------------------------------------------
def test_list_shows_only_own_unexpired_tokens(clerk, director):
    with time_machine.travel(START, tick=False):
        old = obtain(device="old").json()["token"]  # noqa: F841 - expires first
    with time_machine.travel(START + dt.timedelta(days=20), tick=False):
        phone = obtain(device="phone").json()["token"]
        obtain("director", device="director's")
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        response = with_token(phone).get(url("tokens"))
    assert response.status_code == 200
    listed = response.json()
    assert [t["device"] for t in listed] == ["phone"]
    assert set(listed[0]) == FIELDS
    row = ApiToken.objects.get(user=clerk, device="phone")
    assert listed[0]["id"] == str(row.public_id)
    assert dt.datetime.fromisoformat(listed[0]["created_at"]) == START + dt.timedelta(days=20)
    assert dt.datetime.fromisoformat(listed[0]["expires_at"]) == START + dt.timedelta(days=50)
    # Neither the token nor its digest or lookup prefix is in the answer.
    text = response.content.decode()
    assert phone not in text and row.digest not in text and row.token_key not in text


def test_revoke_own_token_then_it_is_refused(clerk):
    keep = obtain(device="laptop").json()["token"]
    lost = obtain(device="lost phone").json()["token"]
    lost_id = ApiToken.objects.get(device="lost phone").public_id
    response = with_token(keep).delete(url("token-detail", lost_id))
    assert response.status_code == 204 and response.content == b""
    error(with_token(lost).get(url("me")), 401, "not_authenticated")
    assert [t["device"] for t in with_token(keep).get(url("tokens")).json()] == ["laptop"]
    # Again: gone.
    error(with_token(keep).delete(url("token-detail", lost_id)), 404, "not_found")


def test_revoke_the_token_in_use(clerk):
    token = obtain().json()["token"]
    client = with_token(token)
    own_id = client.get(url("tokens")).json()[0]["id"]
    assert client.delete(url("token-detail", own_id)).status_code == 204
    error(client.get(url("me")), 401, "not_authenticated")


def test_someone_elses_token_is_404_and_keeps_working(clerk, director):
    theirs = obtain("director", device="phone").json()["token"]
    their_id = ApiToken.objects.get(user=director).public_id
    mine = with_token(obtain(device="phone").json()["token"])
    err = error(mine.delete(url("token-detail", their_id)), 404, "not_found")
    assert err["message"] == "没有这个令牌。"
    error(mine.delete(url("token-detail", uuid.uuid4())), 404, "not_found")
    error(mine.delete("/api/v1/auth/tokens/1/"), 404, "not_found")  # not a UUID
    assert with_token(theirs).get(url("me")).status_code == 200


def test_session_user_lists_and_revoke_needs_csrf(clerk):
    row, _ = tokens.issue(clerk, "phone")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    assert [t["id"] for t in browser.get(url("tokens")).json()] == [str(row.public_id)]
    error(browser.delete(url("token-detail", row.public_id)), 403, "permission_denied")
    assert ApiToken.objects.filter(pk=row.pk).exists()


def test_revoke_all(clerk, director):
    tokens.issue(clerk, "a")
    tokens.issue(clerk, "b")
    tokens.issue(director, "a")
    assert tokens.revoke_all(clerk) == 2
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["director"]


def test_revoke_with_a_malformed_id_is_false(clerk):
    assert tokens.revoke(clerk, "not-a-uuid") is False


# --- the 令牌 page ----------------------------------------------------------------------------
def test_page_lists_own_tokens_in_chinese(client, clerk, director):
    with time_machine.travel(START, tick=False):
        tokens.issue(clerk, "张三的手机")
        tokens.issue(director, "主任的电脑")
    client.force_login(clerk)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        response = client.get(reverse("tokens"))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("设备", "创建时间", "最近使用", "到期时间", "吊销", "张三的手机", "从未使用"):
        assert text in page
    assert "2026年12月31日" in page  # 30 days on, in Asia/Shanghai
    assert "主任的电脑" not in page
    assert "no-store" in response["Cache-Control"]


def test_page_revokes_own_token(client, clerk):
    row, token = tokens.issue(clerk, "旧手机")
    client.force_login(clerk)
    response = client.post(reverse("tokens"), {"revoke": str(row.public_id)}, follow=True)
    assert response.redirect_chain == [(reverse("tokens"), 302)]
    assert "已吊销令牌「旧手机」。" in response.content.decode()
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    error(with_token(token).get(url("me")), 401, "not_authenticated")


def test_page_cannot_revoke_someone_elses(client, clerk, director):
    theirs, _ = tokens.issue(director, "phone")
    client.force_login(clerk)
    for value in (str(theirs.public_id), "garbage", ""):
        response = client.post(reverse("tokens"), {"revoke": value}, follow=True)
        assert "没有这个令牌，或已被吊销。" in response.content.decode()
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_page_needs_login_and_csrf(clerk):
    row, _ = tokens.issue(clerk, "phone")
    anonymous = Client()
    response = anonymous.get(reverse("tokens"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    assert browser.post(reverse("tokens"), {"revoke": str(row.public_id)}).status_code == 403
    assert ApiToken.objects.filter(pk=row.pk).exists()


# --- the schema -----------------------------------------------------------------------------
def test_schema_has_the_token_scheme_and_the_token_paths(db, tmp_path):
    import yaml
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--file", tmp_path / "s.yaml")
    schema = yaml.safe_load((tmp_path / "s.yaml").read_text())
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization"
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/auth/tokens/"]["get"]["security"]
    assert set(schema["paths"]["/api/v1/auth/tokens/{id}/"]["delete"]["responses"]) == {
        "204",
        "401",
        "404",
    }
    answer = schema["components"]["schemas"]["ApiToken"]
    assert set(answer["properties"]) == FIELDS
    request = schema["components"]["schemas"]["TokenRequestRequest"]
    assert request["properties"]["device"]["maxLength"] == 100
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security", []) in ([], [{}])


# --- DRF's old tokens (accounts/migrations/0003) ------------------------------------------------
_migration = importlib.import_module("accounts.migrations.0003_convert_drf_tokens")


class _Editor:
    connection = connection


def _legacy_table(rows):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id integer NOT NULL)"
        )
        for key, user_id in rows:
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, "2026-01-01 00:00:00", user_id],
            )


def test_drf_tokens_become_knox_tokens_and_keep_working(clerk, director):
    keys = {clerk.pk: "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", director.pk: "a" * 40}
    _legacy_table([(key, user_pk) for user_pk, key in keys.items()])
    with time_machine.travel(START, tick=False):
        _migration.convert_drf_tokens(apps, _Editor())
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)  # no clear text left behind
    for user_pk, key in keys.items():
        row = ApiToken.objects.get(user_id=user_pk)
        assert row.device == "迁移的令牌"
        assert row.digest == hash_token(key)
        assert row.expiry == START + dt.timedelta(days=30)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        assert with_token(keys[clerk.pk]).get(url("me")).json()["username"] == "clerk"
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        error(with_token(keys[clerk.pk]).get(url("me")), 401, "not_authenticated")


def test_drf_tokens_migration_without_the_table_does_nothing(clerk):
    assert "authtoken_token" not in connection.introspection.table_names()
    _migration.convert_drf_tokens(apps, _Editor())
    assert not ApiToken.objects.exists()


# --- manage.py revoke_tokens ------------------------------------------------------------------
def test_admin_command_revokes_a_users_tokens(clerk, director):
    from django.core.management import call_command

    tokens.issue(clerk, "phone")
    tokens.issue(clerk, "")
    tokens.issue(director, "phone")
    call_command("revoke_tokens", "clerk", "--device", "phone")
    assert sorted(ApiToken.objects.values_list("user__username", "device")) == [
        ("clerk", ""),
        ("director", "phone"),
    ]
    call_command("revoke_tokens", "clerk")
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["director"]


def test_admin_command_deletes_expired_tokens_and_refuses_nonsense(clerk, director):
    from django.core.management import CommandError, call_command

    with time_machine.travel(timezone.now() - dt.timedelta(days=31), tick=False):
        tokens.issue(clerk, "old")
    tokens.issue(director, "new")
    call_command("revoke_tokens", "--expired")
    assert list(ApiToken.objects.values_list("device", flat=True)) == ["new"]
    for argv in (["nobody"], [], ["clerk", "--expired"]):
        with pytest.raises(CommandError):
            call_command("revoke_tokens", *argv)
