"""账户 (/accounts/): one's own account, the state of the password, second factor and tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import tokens

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("account"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_shows_own_memberships_and_the_state_of_each_control(client, mediator, clerk, settings):
    client.force_login(mediator)
    body = client.get(reverse("account")).content.decode()
    assert mediator.username in body and "调解员" in body
    assert clerk.username not in body
    assert "未启用（可选）" in body and "有效令牌 0 个" in body
    for name in ("password_change", "two_factor_setup", "tokens"):
        assert f'href="{reverse(name)}"' in body

    tokens.issue(mediator, "手机")
    TOTPDevice.objects.create(user=mediator, name="手机", confirmed=True)
    client.force_login(mediator)
    settings.TIAOJIE_REQUIRE_2FA = False
    response = client.get(reverse("account"))
    # a confirmed device sends an unverified session to the code first
    assert response.status_code == 302 and reverse("two_factor_verify") in response["Location"]


def test_the_top_bar_links_to_it(client, clerk):
    client.force_login(clerk)
    assert f'href="{reverse("account")}"' in client.get(reverse("home")).content.decode()
