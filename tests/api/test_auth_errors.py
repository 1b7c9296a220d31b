"""Authentication and the error shape every failure shares (SPEC §9)."""

import pytest
from django.core.cache import cache

from demo.seed import PASSWORD
from tests.api import api, error, url


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    # Throttle counters live in the cache, which outlives a test (by default the database cache:
    # `db` first, so it is the test database's).
    cache.clear()
    yield
    cache.clear()


def test_token_then_me(clerk):
    response = api().post(url("token"), {"username": "clerk", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]

    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(url("me"))
    assert me.status_code == 200
    assert me.json()["username"] == "clerk"


def test_token_again_for_the_same_device_replaces_the_first(clerk):
    # SPEC §12: one token per device name (none given: the unnamed device); the old one stops.
    body = {"username": "clerk", "password": PASSWORD}
    first = api().post(url("token"), body, format="json").json()["token"]
    second = api().post(url("token"), body, format="json").json()["token"]
    assert second != first
    old, new = api(), api()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    new.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    error(old.get(url("me")), 401, "not_authenticated")
    assert new.get(url("me")).status_code == 200


def test_token_wrong_password_is_invalid_without_saying_which(clerk):
    wrong = api().post(url("token"), {"username": "clerk", "password": "nope"}, format="json")
    unknown = api().post(url("token"), {"username": "nobody", "password": "x"}, format="json")
    assert error(wrong, 400, "invalid")["message"] == error(unknown, 400, "invalid")["message"]


def test_token_missing_fields(clerk):
    err = error(api().post(url("token"), {"username": "clerk"}, format="json"), 400, "invalid")
    assert "password" in err["fields"]


def test_token_is_rate_limited(clerk, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "3/minute", "auth_token_user": "100/hour"},
    }
    client = api()
    for _ in range(3):
        client.post(url("token"), {"username": "clerk", "password": "bad"}, format="json")
    response = client.post(url("token"), {"username": "clerk", "password": PASSWORD}, format="json")
    error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_gets_no_fresh_allowance(clerk, settings):
    """SPEC §12: with no trusted proxy (the default) X-Forwarded-For is not the address, so a
    new forged one on each try is still the same client; behind one trusted proxy only the
    entry that proxy appended counts."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "3/minute", "auth_token_user": "100/hour"},
    }
    body = {"username": "nobody", "password": "bad"}
    answers = [
        api().post(url("token"), body, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(5)
    ]
    assert [r.status_code for r in answers] == [400, 400, 400, 429, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"

    cache.clear()
    settings.TIAOJIE_TRUSTED_PROXIES = 1  # nginx appends the address it saw last
    answers = [
        api().post(
            url("token"),
            {"username": f"other{n}", "password": "bad"},  # no username reaches the lockout
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.7",  # forged, then nginx's
        )
        for n in range(4)
    ]
    assert [r.status_code for r in answers] == [400, 400, 400, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"


def test_token_rate_limited_per_account(clerk, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "100/minute", "auth_token_user": "2/hour"},
    }
    for address in ("10.0.0.1", "10.0.0.2"):
        api().post(
            url("token"),
            {"username": "clerk", "password": "bad"},
            format="json",
            REMOTE_ADDR=address,
        )
    response = api().post(
        url("token"),
        {"username": "CLERK", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.3",
    )
    error(response, 429, "throttled")


def test_anonymous_is_401(world):
    response = api().get(url("cases"))
    error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401(world):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    error(client.get(url("me")), 401, "not_authenticated")


def test_session_login_works(client, clerk):
    client.force_login(clerk)
    assert client.get(url("me")).json()["username"] == "clerk"


def test_session_write_needs_csrf(clerk, world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    response = browser.post(url("cases"), {}, content_type="application/json")
    error(response, 403, "permission_denied")


def test_malformed_json_is_400_not_500(clerk):
    response = api(clerk).post(url("cases"), data="{not json", content_type="application/json")
    error(response, 400, "invalid")


def test_body_of_wrong_type_is_400(clerk):
    response = api(clerk).post(url("cases"), data="[1, 2]", content_type="application/json")
    error(response, 400, "invalid")


def test_form_body_is_415(clerk):
    response = api(clerk).post(url("cases"), {"summary": "x"})  # multipart
    error(response, 415, "unsupported_media_type")


def test_oversized_body_is_413(clerk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = '{"summary": "' + "纠" * 4000 + '"}'
    response = api(clerk).post(url("cases"), data=body, content_type="application/json")
    error(response, 413, "too_large")


def test_method_not_allowed_is_405(clerk):
    error(api(clerk).delete(url("cases")), 405, "method_not_allowed")


def test_unknown_api_path_is_json_404(clerk):
    error(api(clerk).get("/api/v1/nothing-here/"), 404, "not_found")
    error(api().get("/api/v1/cases"), 404, "not_found")  # no slash: no HTML redirect either


def test_schema_is_served_to_a_logged_in_user(clerk):
    assert api().get("/api/schema/").status_code == 401  # SPEC §12: not to anonymous
    response = api(clerk).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/cases/{id}/transitions/{name}/" in text
    assert "ErrorDetail" in text


def test_schema_generates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    # --fail-on-warn: a view whose bodies drf-spectacular had to guess fails here, not in a client.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")
    assert "/api/v1/verify/{token}/" in (tmp_path / "s.yaml").read_text()


def test_docs_page_only_with_local_assets(clerk):
    from django.apps import apps

    response = api(clerk).get("/api/docs/")
    if apps.is_installed("drf_spectacular_sidecar"):
        assert response.status_code == 200
    else:  # Swagger UI would load its scripts from a CDN: no page rather than a broken one
        error(response, 404, "not_found")
