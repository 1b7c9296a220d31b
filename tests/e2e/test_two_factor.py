"""The second factor in a real browser on a 375-px phone (SPEC §12): with TIAOJIE_REQUIRE_2FA on,
a supervisor logs in with the password, is sent to the set-up page (Chinese, QR code, key),
types the code the test computes from the device's key, reaches the home page; logs out, logs
in again and is asked for the code.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_two_factor.py`.
"""

from __future__ import annotations

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from demo import seed as demo
from tests.e2e.screens import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.PASSWORD)
    page.get_by_role("button", name="登录").click()


def assert_phone_sized(page: Page) -> None:
    """16-px code field (no zoom on iOS) and ≥ 44-px targets, within 375 px."""
    field = page.locator("#id_code")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    assert field.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    for target in (field, page.locator("main button[type=submit]")):
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_supervisor_sets_up_and_then_gives_the_code_on_a_phone(
    new_page, world, supervisor, settings
):
    settings.TIAOJIE_REQUIRE_2FA = True
    page = new_page(**PHONE)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    password_login(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=%2F$"))
    expect(page.get_by_role("heading", name="设置两步验证")).to_be_visible()
    expect(page.get_by_text("须先启用两步验证")).to_be_visible()
    qr = page.locator("[data-qr] svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 150
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    key = page.locator("#otp-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    assert_phone_sized(page)

    # Other pages are out of reach until the code is given.
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=%2Fcases%2F$"))
    page.fill("#id_code", "000000" if code_for(device) != "000000" else "111111")
    page.get_by_role("button", name="确认启用").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不正确")

    time.sleep(1.1)  # django-otp's back-off after one wrong code: 1 second
    page.fill("#id_code", code_for(device))
    page.get_by_role("button", name="确认启用").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.locator(".tj-msg--success")).to_contain_text("两步验证已启用")
    page.goto("/")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    password_login(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/\?next=%2F$"))
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    assert_phone_sized(page)
    # The code used at set-up is spent: the phone's next one.
    page.fill("#id_code", code_for(device, 1))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors
