"""The Content-Security-Policy in a real browser (SPEC §12): the pages that run a script or draw
computed bars still work under it and Chromium reports no violation — the register page's
"add a party" (web/static/tiaojie/register.js), the supervision dashboard's bars (<meter>), the
Swagger UI of /api/docs/ (drf-spectacular's split view) and the Django admin.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_csp_browser.py`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from demo import seed as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page: Page) -> list[str]:
    """Chromium's console lines about the policy (it logs every refused script or style)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return refused


def login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_register_page_adds_a_party(new_page, clerk):
    page = new_page()
    refused = watch(page)
    login(page, "clerk")
    page.goto("/cases/new/")
    expect(page.locator("fieldset[data-party]")).to_have_count(2)
    page.click("#add-party")
    expect(page.locator("fieldset[data-party]")).to_have_count(3)
    expect(page.locator("#id_parties-TOTAL_FORMS")).to_have_value("3")
    assert refused == []
    # The watch is live: an inline style added now is refused, and Chromium says so.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    expect(page.locator("body > p").last).to_have_text("x")
    page.wait_for_timeout(200)
    assert refused and "style-src" in refused[0], refused


def test_dashboard_bars_are_drawn(new_page, register, supervisor):
    for _ in range(3):
        register()
    page = new_page()
    refused = watch(page)
    login(page, "supervisor")
    page.goto("/supervision/")
    bar = page.locator("#by-dispute-type meter.sv-hbar").first
    expect(bar).to_be_visible()
    box, cell = bar.bounding_box(), page.locator("#by-dispute-type td.sv-barcell").first
    assert box and box["height"] >= 8
    assert abs(box["width"] - cell.bounding_box()["width"]) < 40  # the largest fills its cell
    assert refused == []


def test_swagger_ui_runs(new_page, clerk):
    page = new_page()
    refused = watch(page)
    login(page, "clerk")
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text(re.compile("/api/v1/cases/"))).not_to_have_count(0)
    assert refused == []


def test_admin_pages_run(new_page, admin_user):
    page = new_page()
    refused = watch(page)
    page.goto("/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", demo.PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/admin/cases/organization/add/")
    expect(page.locator("#organization_form")).to_be_visible()
    page.goto("/admin/auth/user/")
    expect(page.locator("#result_list")).to_be_visible()
    assert refused == []
