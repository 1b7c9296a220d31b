"""Playwright (sync API) driving Debian's chromium against pytest-django's live server.

`playwright install` cannot download browsers on these machines (STACK.md): the tests use
/usr/bin/chromium (`scripts/bootstrap.sh --browser`, run by `make test-browser` and .ci/run,
installs it when missing; another binary: TIAOJIE_CHROMIUM=/path). A missing
browser is a failure, not a skip, so that CI cannot pass without running these tests.

On failure every page a test opened is saved as test-results/<test name>[-<n>].png (and .html).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.screens import DESKTOP

CHROMIUM = os.environ.get("TIAOJIE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # one page step; a whole test takes seconds, so a hang fails fast


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves an asyncio loop marked as running in this thread for as long
    # as the browser is open, so Django refuses ORM calls in the test body (and in any test that
    # runs after this one in the same session) with SynchronousOnlyOperation. The calls are
    # synchronous and single-threaded here, so the guard is lifted until the browser closes.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(request, browser, live_server):
    """`new_page(**context_options)` opens a page in a fresh context (its own cookies) on the
    live server, in Chinese; DESKTOP and PHONE are the two option sets the tests use."""
    contexts, pages = [], []

    def make(**options):
        options = {**DESKTOP, **options}
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make

    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None
        and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        out = Path(request.config.rootpath) / "test-results"
        out.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, page in enumerate(pages):
            stem = out / (name if n == 0 else f"{name}-{n}")
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not save {stem}.png: {exc}")
            else:
                print(f"saved {stem}.png ({page.url})")
    for context in contexts:
        context.close()


def prepare_signing(case, mediator):
    """The mediator's agreement draft on `case`, waiting for the parties' signatures."""
    import datetime as dt

    from django.utils import timezone

    from portal import signing

    return signing.prepare_draft(
        case,
        mediator,
        case.version,
        terms=["李小红于十日内拆除越界围墙"],
        performance_method="自行履行",
        performance_deadline=timezone.localdate() + dt.timedelta(days=10),
        amount="0",
    )


@pytest.fixture
def party_cases(register, walk, mediator):
    """For the party pages (/p/): a case whose agreement draft waits for the parties' signatures
    (parties 1 and 2), and an archived case to rate (parties 3 and 4)."""
    from tests.factories import party

    signing_case = walk(register(), "session_held")
    prepare_signing(signing_case, mediator)
    done = walk(register(parties=[party("applicant", 3), party("respondent", 4)]), "archived")
    return signing_case, done
