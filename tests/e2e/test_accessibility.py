"""axe-core (4.12, through axe-playwright-python) on every page each role reaches, in real
Chromium, logged in through the login page as a person would: no violation of impact "serious"
or "critical" (contrast, names of controls and links, labels, landmarks, ARIA), on a desktop
screen and, for the people who work from a phone (the mediator), at 375 px.

Besides the pages of each role's navigation: every action page of the clerk, mediator, director
and supervisor on a case in each stage, the lead and its action pages, a sweep, an online
application, the mediator register's detail/edit/import, the claim (each step) and its 公示, the
review round, item and 整改通知, the agreement draft, the 2FA set-up and code pages, the party
pages (/p/: start, verify, case, sign, rate, apply) on a 360-px phone, and pages showing a message.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_accessibility.py`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Region
from documents.models import Document
from tests.county import conftest as county
from tests.e2e.screens import DESKTOP, PHONE
from tests.e2e.test_browser import login, logout
from workflows import flows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()
# the county's fixtures (four cases archived in 2026-Q3, a tariff; the township supervisor)
quarter, township = county.quarter, county.township
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
        answer = page.goto(url)
        page.wait_for_load_state("load")
        if answer is None or answer.status != 200:  # an error page is not the page
            problems.append(f"{who} {url}: answered {answer and answer.status}")
            continue
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
    # and the case page with the message that the form was accepted
    from tests.e2e.test_browser import session

    session(page)
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.locator(".tj-msg--success")).to_contain_text("已办理")
    assert not violations(page), violations(page)


# --- the pages added with issues 15–17 and the action pages of every role ------------------
def _action_pages(user, cases) -> list[str]:
    """Every action page `user` may open on these cases (web/actions.py), each once."""
    from web import actions

    urls: list[str] = []
    for case in cases:
        case.refresh_from_db()
        for action in actions.available(case, user):
            url = reverse("cases:act", args=[case.pk, action.name])
            if action.name not in {u.rsplit("/", 2)[-2] for u in urls}:
                urls.append(url)
    return urls


def test_the_action_lead_sweep_mediator_and_account_pages(
    new_page,
    world,
    register,
    walk,
    clerk,
    mediator,
    director,
    supervisor,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from county.models import MediatorRecord
    from tests.e2e.test_feature_forms import _lead
    from tests.e2e.test_two_factor import password_login
    from tests.portal.helpers import make_outbox, submit
    from workflows import services

    cases = [register()] + [
        walk(register(), stage)
        for stage in ("investigation", "session_held", "closure", "follow_up", "archived")
    ]
    in_mediation = cases[2]
    lead = _lead(world)
    application = submit(world, make_outbox(settings, tmp_path), django_capture_on_commit_callbacks)
    today = timezone.localdate()
    sweep = services.sweep_open(
        actor=User.objects.get(username="supervisor_town"),
        region=Region.objects.get(name="东镇"),
        name="冬季矛盾纠纷排查",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        focus="土地、邻里",
    )
    record = MediatorRecord.objects.filter(organizations=world["east"]).first()
    lead_page = reverse("screening:lead", args=[lead.pk])

    def lead_act(name):
        return reverse("screening:act", args=[lead.pk, name])

    pages = {
        "clerk": [
            lead_page,
            *[lead_act(n) for n in ("refer", "watch", "close", "to_case")],
            reverse("two_factor_setup"),
            reverse("applications:detail", args=[application.pk]),
        ],
        "mediator": [
            lead_page,
            lead_act("resolve_on_site"),
            reverse("cases:agreement-draft", args=[in_mediation.pk]),
            *_action_pages(mediator, cases),
        ],
        "director": [
            lead_page,
            reverse("county:mediator", args=[record.pk]),
            reverse("county:mediator-edit", args=[record.pk]),
            reverse("county:mediator-import"),
            *_action_pages(director, cases),
        ],
        "supervisor": _action_pages(supervisor, cases),
        "supervisor_town": [reverse("screening:sweep", args=[sweep.pk])],
    }
    assert any("/act/follow_up_add/" in u for u in pages["mediator"])
    assert {"reassign", "approve_closure"} <= {u.rsplit("/", 2)[-2] for u in pages["director"]}
    assert any("/act/supervise/" in u for u in pages["supervisor"])
    print("a11y.pages:", {who: len(urls) for who, urls in pages.items()})
    problems = []
    for who, urls in pages.items():
        page = new_page(**DESKTOP)
        login(page, who)
        problems += audit(page, urls, who)
        if who == "mediator":
            page.set_viewport_size(PHONE["viewport"])
            problems += audit(page, urls, "mediator at 375 px")
        logout(page)
    # the code asked after the password, for a user who has set up a second factor
    TOTPDevice.objects.create(user=clerk, name="手机", confirmed=True)
    page = new_page(**PHONE)
    password_login(page, "clerk")
    page.wait_for_url("**/accounts/2fa/verify/**")
    problems += [f"clerk 2FA code at 375 px: {line}" for line in violations(page)]
    assert not problems, "\n".join(problems)


def test_the_party_pages_on_a_phone(new_page, world, party_cases, settings, tmp_path):
    from tests.e2e.test_party_phone import PHONE_360, code_of, next_minute
    from tests.factories import party
    from tests.portal.helpers import make_outbox

    outbox = make_outbox(settings, tmp_path)
    signing_case, done = party_cases
    problems = audit(
        new_page(**PHONE_360), [reverse("portal:start"), reverse("portal:apply")], "anon"
    )

    def follow(case, phone: str) -> Page:
        page = new_page(**PHONE_360)
        next_minute(phone)
        page.goto(reverse("portal:start"))
        page.fill("#case_code", case.party_code)
        page.fill("#phone", phone)
        page.get_by_role("button", name="获取验证码").tap()
        page.wait_for_url("**/p/verify/")
        problems.extend(f"party {page.url}: {line}" for line in violations(page))
        page.fill("#sms_code", code_of(outbox, phone))
        page.get_by_role("button", name="查看进度").tap()
        page.wait_for_url("**/p/case/")
        problems.extend(f"party {page.url}: {line}" for line in violations(page))
        return page

    page = follow(signing_case, party("applicant", 1)["phone"])
    page.get_by_role("link", name="签署协议").tap()
    page.wait_for_url("**/p/sign/*/")
    problems += [f"party {page.url}: {line}" for line in violations(page)]
    page = follow(done, party("applicant", 3)["phone"])
    problems += audit(page, [reverse("portal:rate")], "party")
    assert not problems, "\n".join(problems)


def test_the_county_claim_and_review_pages(new_page, quarter, township, director, supervisor):
    from county.models import Claim
    from workflows import services

    claim = services.claim_draft(
        actor=director, organization=quarter["first"].organization, period="2026-Q3"
    )
    round_ = county.open_q3_round(supervisor, quarter)
    item = round_.items.first()
    problems = []
    page = new_page(**DESKTOP)
    login(page, "director")
    problems += audit(
        page,
        [
            reverse("county:claim", args=[claim.pk]),
            reverse("county:review", args=[round_.pk]),
        ],
        "director",
    )
    logout(page)
    services.claim_transition(claim, "submit", actor=director)
    login(page, "supervisor_town")
    problems += audit(page, [reverse("county:claim", args=[claim.pk])], "township (初审)")
    logout(page)
    claim = Claim.objects.get(pk=claim.pk)
    services.claim_transition(claim, "review", actor=township, lines=[])
    for step in ("approve", "publish"):
        claim = Claim.objects.get(pk=claim.pk)
        services.claim_transition(claim, step, actor=supervisor)
    login(page, "supervisor")
    problems += audit(
        page,
        [
            reverse("county:claim", args=[claim.pk]),
            reverse("county:review", args=[round_.pk]),
            reverse("county:review-item", args=[round_.pk, item.pk]),
        ],
        "supervisor",
    )
    logout(page)
    notice = county.score_and_notify(round_, supervisor)
    for size, who in ((DESKTOP, "director"), (PHONE, "director at 375 px")):
        page = new_page(**size)
        login(page, "director")
        problems += audit(
            page,
            [
                reverse("county:claim-notice", args=[claim.pk]),
                reverse("county:review-notice", args=[round_.pk, notice.pk]),
                reverse("county:claim", args=[claim.pk]),
            ],
            who,
        )
    assert not problems, "\n".join(problems)


def test_axe_reports_what_it_should(new_page):
    """The audit above can only pass honestly if axe-core runs and sees: a page with grey text
    at 2.3:1 and an unlabelled field is reported, serious, with both rules."""
    page = new_page(**DESKTOP)
    page.set_content(
        '<html lang="zh-CN"><head><title>t</title></head><body><main><h1>标题</h1>'
        '<p style="color:#aaa;background:#fff">灰色文字</p>'
        '<form><input type="text" name="x"></form></main></body></html>'
    )
    found = " ".join(violations(page))
    assert "color-contrast" in found and "label" in found, found
