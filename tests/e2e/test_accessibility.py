"""axe-core (4.12, through axe-playwright-python) on every page each role reaches, in real
Chromium, logged in through the login page as a person would: no violation of impact "serious"
or "critical" (contrast, names of controls and links, labels, landmarks, ARIA), on a desktop
screen and, for the people who work from a phone (the mediator), at 375 px.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_accessibility.py`.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page

from documents.models import Document
from tests.e2e.screens import DESKTOP, PHONE
from tests.e2e.test_browser import login, logout
from workflows import flows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}


def violations(page: Page) -> list[str]:
    """The serious and critical violations on the page, one line each with where."""
    found = AXE.run(page).response["violations"]
    lines = []
    for v in found:
        if v.get("impact") in BLOCKING:
            targets = [", ".join(n["target"]) for n in v["nodes"][:3]]
            lines.append(f"{v['impact']} {v['id']}: {v['help']} at {targets}")
    return lines


def audit(page: Page, urls: list[str], who: str) -> list[str]:
    problems = []
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        problems += [f"{who} {url}: {line}" for line in violations(page)]
    return problems


def _pages(case, archived, intake) -> dict[str, list[str]]:
    task = flows.open_task(intake)
    doc = Document.objects.filter(case=case, status="issued").first()
    common = [
        reverse("home"),
        reverse("workflows:tasks"),
        reverse("workflows:notifications"),
        reverse("cases:list"),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:detail", args=[archived.pk]),
        reverse("account"),
        reverse("password_change"),
        reverse("tokens"),
    ]
    return {
        "clerk": [
            *common,
            reverse("cases:register"),
            reverse("workflows:task", args=[task.pk]),
            reverse("cases:act", args=[intake.pk, "accept"]),
            reverse("cases:import-start"),
        ],
        "mediator": [
            *common,
            reverse("cases:act", args=[case.pk, "investigation_add"]),
            reverse("cases:act", args=[case.pk, "session_add"]),
            reverse("cases:act", args=[case.pk, "record_agreement"]),
        ],
        "supervisor": [
            reverse("home"),
            reverse("cases:list"),
            reverse("cases:detail", args=[case.pk]),
            reverse("supervision:dashboard"),
            reverse("supervision:statistics"),
            reverse("supervision:ranking"),
            reverse("supervision:audit"),
            reverse("supervision:access"),
            reverse("supervision:supervise", args=[case.pk]),
        ],
        "anon": [reverse("login"), reverse("verify", args=[doc.token])],
        # 排查 and the county's work (issues 15 and 17)
        "grid": [reverse("home"), reverse("screening:report"), reverse("screening:leads")],
        "director": [
            reverse("screening:leads"),
            reverse("county:mediators"),
            reverse("county:mediator-new"),
            reverse("county:claims"),
            reverse("county:reviews"),
        ],
        "supervisor_town": [
            reverse("screening:sweeps"),
            reverse("screening:stats"),
            reverse("county:claims"),
        ],
    }


def test_no_serious_or_critical_violation_on_any_page(
    new_page, world, register, walk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # high and critical risk: their badges are on the lists, the home and the case pages
        case = walk(register(risk_factors=["violence_threat"]), "mediation")
        archived = walk(register(), "archived")
        intake = register(risk_factors=["group_10", "violence_threat", "petition_history"])
    assert {case.risk_level, intake.risk_level} == {"high", "critical"}
    pages = _pages(case, archived, intake)
    problems = audit(new_page(**DESKTOP), pages["anon"], "anon")
    for who in ("clerk", "mediator", "supervisor", "director", "supervisor_town"):
        page = new_page(**DESKTOP)
        login(page, who)
        problems += audit(page, pages[who], who)
        logout(page)
    phone = new_page(**PHONE)
    login(phone, "mediator")
    problems += audit(phone, pages["mediator"], "mediator at 375 px")
    logout(phone)
    login(phone, "grid")
    problems += audit(phone, pages["grid"], "grid worker at 375 px")
    assert not problems, "\n".join(problems)


def test_a_form_with_its_errors_shown_stays_accessible(new_page, world, register, walk):
    """The error state (summary, invalid fields, messages) is checked too, not only the
    pristine page."""
    case = walk(register(), "mediation")
    page = new_page(**PHONE)
    login(page, "mediator")
    page.goto(reverse("cases:act", args=[case.pk, "session_add"]))
    page.fill("#id_place", "")
    page.get_by_role("button", name="确定", exact=True).click()
    page.wait_for_selector("[data-error-summary]")
    assert not violations(page), violations(page)
