"""The second factor (SPEC §12, accounts/two_factor.py): who is sent to set it up, the set-up
with a wrong and a right code, the code after the next password login, django-otp's throttling,
the API with a session still waiting for its code, and an admin's reset (deleting the device).
Codes are computed from the device's key with django-otp's own TOTP."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from demo import seed as demo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")
WRONG_TEXT = "验证码不正确"
THROTTLED_TEXT = "验证码错误次数过多"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's phone shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A 6-digit code that none of the accepted ones (previous, current, next step) is."""
    accepted = {code_for(device, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def where(response) -> tuple[str, str]:
    """(path, next) of a redirect."""
    assert response.status_code == 302, response.status_code
    url = urlsplit(response["Location"])
    return url.path, parse_qs(url.query).get("next", [""])[0]


def password_login(client, username: str):
    return client.post(
        reverse("login"), {"username": username, "password": demo.PASSWORD}, follow=False
    )


def set_up(client) -> TOTPDevice:
    """Open the set-up page and confirm with the right code."""
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=client.session_user, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        client.session_user = user
        return client

    return as_user


@pytest.fixture
def required(settings):
    settings.TIAOJIE_REQUIRE_2FA = True


# --- who must ------------------------------------------------------------------------------
def test_who_must_use_it(world, clerk, director, mediator, supervisor, admin_user):
    staff = UserFactory(is_staff=True)
    assert two_factor.must_use(supervisor) and two_factor.must_use(admin_user)
    assert two_factor.must_use(staff)
    assert not any(two_factor.must_use(u) for u in (clerk, director, mediator))


def test_setting_is_off_outside_production_unless_asked_for():
    """`make run`'s demo users keep logging in with their password alone."""
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.PRODUCTION, s.TIAOJIE_REQUIRE_2FA)"
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "PRODUCTION", "TIAOJIE_REQUIRE_2FA"}
    } | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    for extra, expected in (({}, "False False"), ({"TIAOJIE_REQUIRE_2FA": "1"}, "False True")):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=Path(__file__).resolve().parents[2],
            env=base | extra,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.stdout.strip().splitlines()[-1] == expected, out.stderr


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_required_users_are_sent_to_set_up_from_every_page(request, login, who):
    client = login(request.getfixturevalue(who))
    for url in ("/", reverse("cases:list"), reverse("workflows:tasks"), "/admin/", "/nowhere/"):
        assert where(client.get(url)) == (SETUP, url), url
    # Until confirmed: a set-up page opened but no code given changes nothing.
    assert client.get(SETUP).status_code == 200
    assert where(client.get("/admin/"))[0] == SETUP
    # What a session reaches before its code: logout, health checks, the language switch.
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert where(client.post(reverse("logout")))[0] == reverse("login")
    assert where(client.get("/"))[0] == reverse("login")


@pytest.mark.usefixtures("required")
def test_a_clerk_is_not_forced(login, clerk):
    client = login(clerk)
    assert client.get("/").status_code == 200
    assert client.get(SETUP).status_code == 200  # may set it up voluntarily


def test_nobody_is_forced_when_the_setting_is_off(settings, login, supervisor, admin_user):
    settings.TIAOJIE_REQUIRE_2FA = False
    assert login(supervisor).get("/").status_code == 200
    client = login(admin_user)
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


# --- set-up --------------------------------------------------------------------------------
@pytest.mark.usefixtures("required")
def test_set_up_page_shows_qr_code_and_key_in_chinese(login, supervisor):
    client = login(supervisor)
    body = client.get(SETUP, {"next": "/cases/"}).content.decode()
    device = TOTPDevice.objects.get(user=supervisor)
    assert not device.confirmed
    assert "设置两步验证" in body and "须先启用两步验证" in body
    assert "<svg" in body and not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert "style=" not in body  # the CSP allows no inline style
    key = two_factor.key_text(device)
    assert key in body and len(key.replace(" ", "")) == 32
    assert 'inputmode="numeric"' in body and 'autocomplete="one-time-code"' in body
    assert 'value="/cases/"' in body
    # A reload keeps the key that may already be in the phone.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1


@pytest.mark.usefixtures("required")
def test_confirm_with_a_wrong_code_fails_then_the_right_code_succeeds(
    login, supervisor, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    client = login(supervisor)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=supervisor)

    response = client.post(SETUP, {"code": wrong_code(device), "next": "/cases/"})
    assert response.status_code == 200
    assert WRONG_TEXT in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    assert where(client.get("/"))[0] == SETUP

    response = client.post(SETUP, {"code": "12ab"})
    assert "验证码是6位数字" in response.content.decode()

    time_machine.shift(dt.timedelta(seconds=2))  # past the 1-second back-off
    response = client.post(SETUP, {"code": code_for(device), "next": "/cases/"})
    assert where(response) == ("/cases/", "")
    device.refresh_from_db()
    assert device.confirmed and device.throttling_failure_count == 0
    assert client.get("/").status_code == 200
    assert client.get(reverse("cases:list")).status_code == 200
    # The set-up page now says it is on; it shows no key any more.
    body = client.get(SETUP).content.decode()
    assert "两步验证已启用" in body and two_factor.key_text(device) not in body


@pytest.mark.usefixtures("required")
def test_an_admin_reaches_the_django_admin_once_confirmed(login, admin_user):
    client = login(admin_user)
    assert where(client.get("/admin/"))[0] == SETUP
    set_up(client)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200


def test_next_is_never_another_site(login, clerk):
    client = login(clerk)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=clerk)
    response = client.post(SETUP, {"code": code_for(device), "next": "https://evil.example/"})
    assert where(response)[0] == reverse("home")


# --- the code after the password -----------------------------------------------------------
@pytest.mark.usefixtures("required")
def test_next_login_asks_for_the_code(client, login, supervisor, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    device = set_up(login(supervisor))
    client.post(reverse("logout"))

    response = password_login(client, "supervisor")
    assert where(response)[0] == reverse("home")
    assert where(client.get("/cases/")) == (VERIFY, "/cases/")
    assert where(client.get("/admin/"))[0] == VERIFY
    # An unverified session cannot enrol another device either.
    assert where(client.get(SETUP))[0] == VERIFY
    body = client.get(VERIFY, {"next": "/cases/"}).content.decode()
    assert "两步验证" in body and 'autocomplete="one-time-code"' in body

    # The code used at set-up is spent; the phone's next one is accepted.
    response = client.post(VERIFY, {"code": code_for(device), "next": "/cases/"})
    assert WRONG_TEXT in response.content.decode()
    time_machine.shift(dt.timedelta(seconds=3))  # past the 1-second back-off
    response = client.post(VERIFY, {"code": code_for(device, 1), "next": "/cases/"})
    assert where(response) == ("/cases/", "")
    assert client.get("/cases/").status_code == 200


@pytest.mark.usefixtures("required")
def test_repeated_wrong_codes_are_throttled(login, supervisor, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    device = TOTPDevice.objects.create(user=supervisor, name="手机", confirmed=True)
    client = login(supervisor)
    bad = wrong_code(device)

    for delay in (0, 1, 2):  # django-otp's back-off: 1, 2, 4 … seconds after each failure
        time_machine.shift(dt.timedelta(seconds=delay))
        body = client.post(VERIFY, {"code": bad}).content.decode()
        assert WRONG_TEXT in body
    device.refresh_from_db()
    assert device.throttling_failure_count == 3

    # Now 4 seconds must pass: even the right code is refused, with a Chinese message.
    time_machine.shift(dt.timedelta(seconds=1))
    body = client.post(VERIFY, {"code": code_for(device)}).content.decode()
    assert THROTTLED_TEXT in body and "3 秒后再试" in body
    assert where(client.get("/"))[0] == VERIFY
    device.refresh_from_db()
    assert device.throttling_failure_count == 3  # a refused attempt is not checked

    time_machine.shift(dt.timedelta(seconds=3))
    assert where(client.post(VERIFY, {"code": code_for(device)}))[0] == reverse("home")
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.get("/").status_code == 200


def test_voluntary_set_up_is_asked_for_when_the_setting_is_off(
    settings, client, login, clerk, time_machine
):
    settings.TIAOJIE_REQUIRE_2FA = False
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    device = set_up(login(clerk))
    client.post(reverse("logout"))
    password_login(client, "clerk")
    assert where(client.get("/")) == (VERIFY, "/")
    time_machine.shift(dt.timedelta(seconds=30))  # the phone shows its next code
    assert where(client.post(VERIFY, {"code": code_for(device), "next": "/"}))[0] == "/"
    assert client.get("/").status_code == 200


def test_verify_without_a_device_goes_on(settings, login, clerk, supervisor):
    settings.TIAOJIE_REQUIRE_2FA = True
    assert where(login(clerk).get(VERIFY))[0] == reverse("home")
    assert where(login(supervisor).get(VERIFY))[0] == SETUP


# --- the API, and the admin's reset --------------------------------------------------------
def test_a_session_waiting_for_its_code_does_not_open_the_api(login, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="手机", confirmed=True)
    client = login(supervisor)
    assert client.get("/api/v1/me/").status_code in (401, 403)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.usefixtures("required")
def test_an_admin_resets_a_lost_phone_by_deleting_the_device(client, login, supervisor, admin_user):
    device = TOTPDevice.objects.create(user=supervisor, name="手机", confirmed=True)
    login(supervisor)
    assert where(client.get("/"))[0] == VERIFY

    admin = login(admin_user)
    set_up(admin)
    page = admin.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert "supervisor" in page
    response = admin.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()

    # The supervisor's next login: set up a new phone.
    supervisor_client = login(supervisor)
    assert where(supervisor_client.get("/"))[0] == SETUP


def test_token_refusal_for_the_api_token_endpoint(settings, world, clerk, supervisor, time_machine):
    """The check `POST /api/v1/auth/token/` can make after the password (field `otp`)."""
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    settings.TIAOJIE_REQUIRE_2FA = True
    assert two_factor.token_refusal(clerk, None) is None  # not required, no device
    assert two_factor.token_refusal(supervisor, None) == "otp_setup_required"
    device = TOTPDevice.objects.create(user=supervisor, name="手机", confirmed=True)
    assert two_factor.token_refusal(supervisor, None) == "otp_required"
    assert two_factor.token_refusal(supervisor, "12x456") == "otp_invalid"
    assert two_factor.token_refusal(supervisor, wrong_code(device)) == "otp_invalid"
    assert two_factor.token_refusal(supervisor, code_for(device)) == "otp_throttled"
    time_machine.shift(dt.timedelta(seconds=2))
    assert two_factor.token_refusal(supervisor, code_for(device)) is None
