"""A record written without signal (issue 14), in real Chromium with the network cut by
Playwright: the mediator opens the session form, loses signal, fills it and presses 确定; the
record is kept on the phone; the browser is closed and started again (same profile) still without
signal, the form opens from the phone and says a record waits; when the signal returns the record
is sent, through the same service and version check, and the server's answer is shown.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_offline.py`.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import MediationSession
from tests.e2e.conftest import CHROMIUM_ARGS, TIMEOUT_MS
from tests.e2e.screens import PHONE
from tests.e2e.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_profile(browser, live_server, tmp_path):
    """`start()` opens a phone browser on one profile directory; calling it again after
    `.close()` is the browser restarted (cookies, storage and the worker's cache kept)."""
    opened = []

    def start(offline: bool = False):
        context = browser.browser_type.launch_persistent_context(
            offline=offline,
            user_data_dir=str(tmp_path / "profile"),
            executable_path=_chromium_path(),
            args=CHROMIUM_ARGS,
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **PHONE,
        )
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield start
    for context in opened:
        with contextlib.suppress(Exception):  # already closed by the test
            context.close()


def _chromium_path() -> str:
    import shutil

    from tests.e2e.conftest import CHROMIUM

    return shutil.which(CHROMIUM) or CHROMIUM


def test_a_record_written_offline_survives_a_restart_and_is_sent(
    phone_profile, world, register, walk, mediator
):
    case = walk(register(), "mediation")
    url = reverse("cases:act", args=[case.pk, "session_add"])

    context = phone_profile()
    page = context.pages[0] if context.pages else context.new_page()
    login(page, "mediator")
    page.goto(url)
    # the worker controls the site and the form's page is kept on the phone
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()  # a worker claims open pages, but not always before this check
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "() => caches.open('tj-offline-v1').then(c => c.match(location.pathname)).then(r => !!r)"
    )

    context.set_offline(True)
    page.fill("#id_place", "东村晒谷场")
    page.fill("#id_attendees", "王大明、李小红")
    page.fill("#id_content", "双方各自陈述了排水沟的情况")
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.locator("[data-offline-notice]")).to_contain_text("已保存在本机")
    assert not MediationSession.objects.filter(case=case).exists()
    # The browser is closed with the phone still offline. (Playwright lifts the emulated
    # offline while it closes a context, which a page of ours would take for the signal
    # returning; so the tab is closed first, as a closed browser runs no script.)
    page.close()
    context.close()

    # the browser started again, still without signal
    context = phone_profile(offline=True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(url)
    expect(page.locator("#id_place")).to_have_value("东村晒谷场")  # the draft, restored
    expect(page.locator("[data-offline-notice]")).to_contain_text("1 条记录保存在本机")
    assert not MediationSession.objects.filter(case=case).exists()

    context.set_offline(False)  # the signal returns
    expect(page.locator("[data-offline-notice]").first).to_contain_text("已提交")
    record = MediationSession.objects.get(case=case)
    assert record.place == "东村晒谷场" and record.attendees == "王大明、李小红"
    assert case.events.filter(name="session_add").count() == 1
    # sent once: a second chance to flush finds nothing waiting
    page.goto(reverse("cases:detail", args=[case.pk]))
    expect(page.locator("#records")).to_contain_text("东村晒谷场")
    assert MediationSession.objects.filter(case=case).count() == 1


def test_a_stale_offline_record_gets_the_servers_answer(
    phone_profile, world, register, walk, mediator, django_capture_on_commit_callbacks
):
    """Someone changed the case while the phone had no signal: the version check refuses the
    waiting record and the phone shows why, keeping what was typed."""
    from workflows import services

    case = walk(register(), "mediation")
    url = reverse("cases:act", args=[case.pk, "session_add"])
    context = phone_profile()
    page = context.pages[0] if context.pages else context.new_page()
    login(page, "mediator")
    page.goto(url)
    context.set_offline(True)
    page.fill("#id_place", "村部")
    page.fill("#id_attendees", "双方")
    page.fill("#id_content", "陈述")
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.locator("[data-offline-notice]")).to_contain_text("已保存在本机")
    services.case_reassess_risk(case, actor=mediator, factors=["petition_history"], reason="新情况")
    context.set_offline(False)
    notice = page.locator("[data-offline-notice]").first
    expect(notice).to_contain_text("未能提交")
    expect(notice).to_contain_text(re.compile("修改|刷新|版本"))
    assert not MediationSession.objects.filter(case=case).exists()
    page.goto(url)
    expect(page.locator("#id_place")).to_have_value("村部")  # the draft is still there
