"""Login, lockout and password change in a real browser on a 375-px phone (SPEC §12): the login
page is light (our one stylesheet, no viewflow or Turbo asset), 16-px fields and ≥ 44-px targets;
five wrong passwords show the lockout message, and the right one is then refused too; a mediator
changes the password through 账户 → 修改密码 in the top bar.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_accounts.py`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from demo import seed as demo
from tests.e2e.screens import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "Qingshan-Tiaojie-2026"


def try_login(page: Page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


def assert_phone_sized(page: Page, *fields: str) -> None:
    for selector in fields:
        field = page.locator(selector)
        assert field.evaluate("e => getComputedStyle(e).fontSize") == "16px", selector
    for target in [*(page.locator(s) for s in fields), page.locator("main button[type=submit]")]:
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_five_wrong_passwords_lock_the_account(new_page, world):
    page = new_page(**PHONE)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="调解")).to_be_visible()
    assert_phone_sized(page, "#id_username", "#id_password")
    assets = [u for u in requested if "/static/" in u]
    assert assets and all("/static/tiaojie/" in u for u in assets), requested
    assert not [u for u in requested if re.search(r"viewflow|turbo|material", u, re.I)]

    for n in range(4):
        try_login(page, "clerk", f"wrong-{n}")
        expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确，请重新输入。")
        expect(page.locator("#id_username")).to_have_value("clerk")
    try_login(page, "clerk", "wrong-4")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("该账户连续 5 次密码错误，已锁定至")
    expect(alert).to_have_text(
        re.compile(r"已锁定至 (\d{1,2}月\d{1,2}日 )?\d\d:\d\d。请届时再试，或请系统管理员解锁。")
    )
    assert_phone_sized(page, "#id_username", "#id_password")

    try_login(page, "clerk", demo.PASSWORD)  # the right password, refused while locked
    expect(page.get_by_role("alert")).to_contain_text("已锁定至")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="退出")).to_have_count(0)


def test_password_change_from_the_top_bar(new_page, world):
    page = new_page(**PHONE)
    page.goto("/accounts/login/")
    try_login(page, "mediator", demo.PASSWORD)
    page.get_by_role("link", name="账户").click()
    expect(page.get_by_role("heading", name="我的账户")).to_be_visible()
    page.get_by_role("link", name="修改密码").click()
    expect(page).to_have_url(re.compile(r"/accounts/password_change/$"))
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    assert_phone_sized(page, "#id_old_password", "#id_new_password1", "#id_new_password2")

    page.fill("#id_old_password", demo.PASSWORD)
    page.fill("#id_new_password1", "1234567890")
    page.fill("#id_new_password2", "1234567890")
    page.get_by_role("button", name="修改密码").click()
    expect(page.locator("main")).to_contain_text("密码只包含数字。")

    page.fill("#id_old_password", demo.PASSWORD)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(re.compile(r"/accounts/password_change/done/$"))
    expect(page.get_by_role("heading", name="密码已修改")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    try_login(page, "mediator", demo.PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确，请重新输入。")
    try_login(page, "mediator", NEW)
    expect(page.get_by_role("button", name="退出")).to_be_visible()
