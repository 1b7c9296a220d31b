"""The 令牌 page in a real browser on a 375-px phone (SPEC §12): a token obtained over HTTP from
`POST /api/v1/auth/token/` is listed with its device, revoked with its 吊销 button, and then the
API refuses it. Run: `.venv/bin/pytest -m browser tests/e2e/test_tokens.py`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from demo import seed as demo
from tests.e2e.screens import PHONE
from tests.e2e.test_browser import login, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICE = "王调解员的手机"


def call(base: str, method: str, path: str, body=None, token: str | None = None):
    """(status, JSON body) of a real HTTP request to the live server."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_revoke_a_token_on_a_phone(new_page, live_server, clerk, director):
    base = live_server.url
    status, issued = call(
        base,
        "POST",
        "/api/v1/auth/token/",
        {"username": "clerk", "password": demo.PASSWORD, "device": DEVICE},
    )
    assert status == 200, issued
    token = issued["token"]
    assert call(base, "GET", "/api/v1/me/", token=token)[0] == 200
    # Someone else's token, which the clerk's page must not show.
    status, _ = call(
        base,
        "POST",
        "/api/v1/auth/token/",
        {"username": "director", "password": demo.PASSWORD, "device": "主任的电脑"},
    )
    assert status == 200

    page = new_page(**PHONE)
    assert page.viewport_size == {"width": 375, "height": 812}
    login(page, "clerk")
    page.goto("/accounts/tokens/")
    expect(page.locator("h1")).to_have_text("我的 API 令牌")
    row = page.locator("#tokens tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(DEVICE)
    expect(row).not_to_contain_text("从未使用")  # the GET /api/v1/me/ above was recorded
    expect(page.locator("#tokens")).not_to_contain_text("主任的电脑")
    no_horizontal_scroll(page, "token list")

    button = row.get_by_role("button", name="吊销")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.tj-tokens td, .tj-tokens p, .tj-tokens button')]
              .map(e => parseFloat(getComputedStyle(e).fontSize))"""
    )
    assert sizes and min(sizes) >= 16, sizes

    button.click()
    expect(page.locator(".tj-msg--success")).to_contain_text(f"已吊销令牌「{DEVICE}」")
    expect(page.locator("#tokens-empty")).to_be_visible()
    no_horizontal_scroll(page, "token list after revoking")

    status, body = call(base, "GET", "/api/v1/me/", token=token)
    assert status == 401, body
    assert body["error"]["code"] == "not_authenticated"
