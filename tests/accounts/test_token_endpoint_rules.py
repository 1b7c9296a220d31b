"""POST /api/v1/auth/token/ keeps the web login's rules (SPEC §12): a user with a second factor
gives its code, a password an admin set is changed first, and a successful login clears the
failures counted so far."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import Account, ApiToken
from tests.accounts.test_two_factor import code_for, wrong_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"
PASSWORD = "pw-2026-test"


def ask(user, **extra):
    return APIClient().post(
        URL, {"username": user.username, "password": PASSWORD, **extra}, format="json"
    )


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def device(user):
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def test_a_user_with_a_second_factor_must_give_the_code(user, device):
    response = ask(user)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "otp_required"
    assert "6 位验证码" in response.json()["error"]["message"]
    assert not ApiToken.objects.filter(user=user).exists()

    response = ask(user, otp=wrong_code(device))
    assert response.status_code == 403 and response.json()["error"]["code"] == "otp_invalid"
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_right_code_gets_the_token(user, device):
    response = ask(user, otp=code_for(device), device="笔记本")
    assert response.status_code == 200, response.content
    assert ApiToken.objects.filter(user=user, device="笔记本").count() == 1


def test_repeated_wrong_codes_are_throttled(user, device):
    answers = [ask(user, otp=wrong_code(device)).json()["error"]["code"] for _ in range(3)]
    assert answers[0] == "otp_invalid" and "otp_throttled" in answers[1:]


def test_a_required_user_without_a_device_sets_it_up_on_the_web_first(settings):
    settings.TIAOJIE_REQUIRE_2FA = True
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = ask(admin)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "otp_setup_required"


def test_an_initial_password_must_be_changed_first(user):
    Account.objects.update_or_create(user=user, defaults={"must_change_password": True})
    response = ask(user)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_successful_token_login_clears_the_failures(user):
    for _ in range(3):
        assert (
            APIClient()
            .post(URL, {"username": user.username, "password": "wrong"}, format="json")
            .status_code
            == 400
        )
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 3
    assert ask(user).status_code == 200
    assert not AccessAttempt.objects.filter(username=user.username).exists()
