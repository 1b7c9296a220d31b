"""The parties' walk on a 360-px phone (SPEC §14, issue 16): an applicant applies online with an
SMS code, the clerk registers the application from 我的待办, the party follows the case with its
case code, both parties sign the mediator's agreement draft on the phone (SMS code + a signature
drawn on the canvas), the mediator records the agreement from the signed draft, and after the
follow-up visit the applicant rates the mediation. Every party page fits 360 px with no sideways
scroll and a body text of at least 16 px. A wrong SMS code gets a Chinese message.

The SMS codes are read from the `file` outbox (tests/portal/helpers.py make_outbox); the staff
steps between the party pages go through the services, as tests/factories.py walk_to does.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_party_phone.py`.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case, Signature
from documents.models import Document
from portal.models import Application, SmsCode
from tests.e2e.screens import PHONE
from tests.e2e.test_browser import login
from tests.factories import id_number
from tests.portal.helpers import make_outbox
from workflows import services as s

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_360 = {**PHONE, "viewport": {"width": 360, "height": 740}}
APPLICANT = "13800000011"
RESPONDENT = "13800000022"
FACTS = "李家修房把土堆在我家门口，下雨后水流进院子。"
TERMS = ["李大壮于十日内把门口的土运走", "李大壮赔偿王小芳清理费八百元"]

FITS = """() => ({
  width: document.documentElement.scrollWidth,
  font: parseFloat(getComputedStyle(document.body).fontSize),
})"""


def fits_the_phone(page: Page) -> None:
    """No sideways scroll at 360 px and a body text of at least 16 px."""
    shown = page.evaluate(FITS)
    assert shown["width"] <= 360, f"{page.url} scrolls sideways: {shown['width']}px wide"
    assert shown["font"] >= 16, f"{page.url} body text is {shown['font']}px"


def phone_page(new_page, errors: list[str]) -> Page:
    """A fresh 360-px phone (its own cookies) whose script errors are collected."""
    page = new_page(**PHONE_360)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return page


def code_of(outbox, phone: str) -> str:
    codes = outbox.codes(phone)
    assert codes, f"no verification code was sent to {phone}"
    return codes[-1]


def next_minute(phone: str) -> None:
    """One code a minute per phone: the earlier codes of `phone` moved back two minutes so the
    walk can ask the next one now (the party would wait)."""
    SmsCode.objects.filter(phone=phone).update(created_at=F("created_at") - dt.timedelta(minutes=2))


def apply_online(page: Page, outbox, world) -> str:
    page.goto("/p/apply/")
    expect(page.get_by_role("heading", name="在网上申请人民调解")).to_be_visible()
    fits_the_phone(page)
    page.fill("#phone", APPLICANT)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("[role=status]")).to_contain_text("验证码已发到尾号0011的手机")
    expect(page.locator("#phone")).to_have_value(APPLICANT)  # what was typed stays
    page.fill("#sms_code", code_of(outbox, APPLICANT))
    page.fill("#applicant_name", "王小芳")
    page.select_option("#applicant_id_type", "resident_id")
    page.fill("#applicant_id_number", id_number(7))
    page.fill("#applicant_address", "东村2组")
    page.fill("#respondent_name", "李大壮")
    page.fill("#respondent_phone", RESPONDENT)
    page.fill("#respondent_address", "东村3组")
    page.select_option("#region", str(world["east_village"].pk))
    page.select_option("#dispute_type", world["neighbour"].code)
    page.fill("#facts", FACTS)
    page.fill("#requests", "请李家把土运走，赔偿清理费用。")
    page.locator("label[for=rights_acknowledged]").tap()
    expect(page.locator("#rights_acknowledged")).to_be_checked()
    fits_the_phone(page)
    page.get_by_role("button", name="提交申请").tap()
    expect(page).to_have_url(re.compile(r"/p/apply/done/$"))
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    reference = page.locator("#reference").inner_text().strip()
    assert reference, "no reference shown"
    fits_the_phone(page)
    return reference


def register_from_tasks(desk: Page, reference: str) -> Case:
    login(desk, "clerk")
    desk.get_by_role("navigation").get_by_role("link", name="待办").click()
    expect(desk).to_have_url(re.compile(r"/tasks/$"))
    row = desk.locator("li[data-task=application]", has_text="王小芳")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(desk).to_have_url(re.compile(r"/applications/\d+/$"))
    expect(desk.get_by_role("heading", name=re.compile(reference))).to_be_visible()
    expect(desk.locator("#applicant")).to_contain_text(APPLICANT)
    desk.locator("[data-action=register]").click()
    expect(desk).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Application.objects.get(reference=reference).case
    assert case is not None, "登记 made no case"
    expect(desk.get_by_text(f"已登记为案件 {case.number}")).to_be_visible()
    return case


def follow(page: Page, case: Case, phone: str, outbox) -> None:
    """/p/ with the case code and the phone → the SMS code → the case page."""
    next_minute(phone)
    page.goto("/p/")
    page.fill("#case_code", case.party_code)
    page.fill("#phone", phone)
    fits_the_phone(page)
    page.get_by_role("button", name="获取验证码").tap()
    expect(page).to_have_url(re.compile(r"/p/verify/$"))
    expect(page.get_by_text(f"尾号 {phone[-4:]} 的手机")).to_be_visible()
    fits_the_phone(page)
    page.fill("#sms_code", code_of(outbox, phone))
    page.get_by_role("button", name="查看进度").tap()
    expect(page).to_have_url(re.compile(r"/p/case/$"))
    expect(page.get_by_text(f"案号 {case.number}")).to_be_visible()
    fits_the_phone(page)


def draw(page: Page) -> None:
    """A name written on the canvas with the mouse: three strokes across the pad."""
    pad = page.locator("#p-sign-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None and box["width"] <= 360
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for row in (0.3, 0.5, 0.7):
        page.mouse.move(x + w * 0.1, y + h * row)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(
                x + w * (0.1 + 0.08 * step), y + h * (row + (0.1 if step % 2 else -0.1))
            )
        page.mouse.up()


def sign_on_the_phone(page: Page, phone: str, outbox) -> None:
    page.get_by_role("link", name="签署协议").tap()
    expect(page).to_have_url(re.compile(r"/p/sign/\d+/$"))
    expect(page.get_by_role("heading", name="签署调解协议")).to_be_visible()
    expect(page.locator(".p-terms")).to_contain_text(TERMS[0])
    fits_the_phone(page)
    next_minute(phone)
    page.get_by_role("button", name="获取验证码").tap()
    expect(page.locator("[role=status]")).to_contain_text(f"尾号{phone[-4:]}")
    page.fill("#sms_code", code_of(outbox, phone))
    draw(page)
    fits_the_phone(page)
    page.get_by_role("button", name="同意并签署").tap()
    expect(page.get_by_role("heading", name="您已签署")).to_be_visible()
    fits_the_phone(page)


def test_parties_apply_follow_sign_and_rate_on_a_360_px_phone(
    new_page, world, clerk, mediator, director, settings, tmp_path
):
    outbox = make_outbox(settings, tmp_path)
    script_errors: list[str] = []

    # 1. the applicant applies on the phone
    applicant = phone_page(new_page, script_errors)
    reference = apply_online(applicant, outbox, world)

    # 2. the clerk registers it from 我的待办; the case starts with the applicant's data
    desk = new_page()
    case = register_from_tasks(desk, reference)
    parties = {p.role: p for p in case.parties.all()}
    assert parties["applicant"].name == "王小芳" and parties["applicant"].phone == APPLICANT
    assert parties["applicant"].id_number == id_number(7)
    assert parties["respondent"].name == "李大壮" and parties["respondent"].phone == RESPONDENT
    assert FACTS in case.summary
    registered = [x for x in outbox.lines() if x["template"] == "application_registered"]
    assert [x["params"]["case_code"] for x in registered] == [case.party_code]

    # the staff steps to 调解 with one session
    s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
    now = timezone.now()
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=now,
        place="村委会",
        interviewee="王小芳",
        content="了解情况",
    )
    s.case_transition(case, "start_mediation", actor=mediator)
    s.record_add(
        case,
        "session",
        actor=mediator,
        held_at=now,
        place="东村调解室",
        attendees="双方",
        content="陈述",
        result="同意",
    )

    # 3. the applicant follows the case; a wrong code first
    next_minute(APPLICANT)
    applicant.goto(f"/p/?code={case.party_code}")
    expect(applicant.locator("#case_code")).to_have_value(case.party_code)
    applicant.fill("#phone", APPLICANT)
    applicant.get_by_role("button", name="获取验证码").tap()
    expect(applicant).to_have_url(re.compile(r"/p/verify/$"))
    right = code_of(outbox, APPLICANT)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    applicant.fill("#sms_code", wrong)
    applicant.get_by_role("button", name="查看进度").tap()
    alert = applicant.get_by_role("alert")
    expect(alert).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", alert.inner_text()), "the refusal is not in Chinese"
    expect(applicant).to_have_url(re.compile(r"/p/verify/$"))
    fits_the_phone(applicant)
    applicant.fill("#sms_code", right)  # the page keeps working: the right code still opens it
    applicant.get_by_role("button", name="查看进度").tap()
    expect(applicant).to_have_url(re.compile(r"/p/case/$"))
    expect(applicant.get_by_role("heading", level=1)).to_contain_text("您的纠纷：")
    expect(applicant.get_by_text("东村调解室")).to_be_visible()  # the session, in plain words
    expect(applicant.get_by_text("李大壮")).to_be_visible()
    expect(applicant.locator("body")).not_to_contain_text(RESPONDENT)  # the other side's name only
    fits_the_phone(applicant)

    # 4. the mediator prepares the draft on the desktop page
    mediator_desk = new_page()
    login(mediator_desk, "mediator")
    mediator_desk.goto(f"/cases/{case.pk}/")
    mediator_desk.get_by_role("link", name="拟定协议草稿").click()
    expect(mediator_desk).to_have_url(re.compile(rf"/cases/{case.pk}/agreement-draft/$"))
    mediator_desk.fill("#id_terms", "\n".join(TERMS))
    mediator_desk.fill("#id_performance_method", "当面交付现金")
    deadline = timezone.localdate() + dt.timedelta(days=10)
    mediator_desk.fill("#id_performance_deadline", deadline.isoformat())
    mediator_desk.fill("#id_amount", "800")
    mediator_desk.get_by_role("button", name="保存草稿并通知当事人签署").click()
    expect(mediator_desk).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(mediator_desk.locator("#signatures [data-signature=pending]")).to_have_count(2)

    # both parties sign, each on their own phone
    applicant.reload()
    sign_on_the_phone(applicant, APPLICANT, outbox)
    respondent = phone_page(new_page, script_errors)
    follow(respondent, case, RESPONDENT, outbox)
    sign_on_the_phone(respondent, RESPONDENT, outbox)
    signed = Signature.objects.filter(draft__case=case, status="signed")
    assert {x.party.phone for x in signed} == {APPLICANT, RESPONDENT}
    assert all(x.image and x.sha256 for x in signed)

    # 5. the mediator records the agreement from the signed draft
    mediator_desk.reload()
    expect(mediator_desk.locator("#signatures [data-signature=signed]")).to_have_count(2)
    mediator_desk.get_by_role("button", name="按签署的草稿登记调解协议").click()
    expect(mediator_desk.get_by_text("已按签署的协议草稿登记调解协议。")).to_be_visible()
    case.refresh_from_db()
    assert case.status == "closure" and case.outcome == "agreement_written"
    agr = Document.objects.get(case=case, code="AGR")
    rows = agr.context["record"]["signatures"]["parties"]
    assert {r["name"]: r["status"] for r in rows} == {"王小芳": "signed", "李大壮": "signed"}
    assert all(r["sha256"] and r["image"].startswith("data:image/png") for r in rows)

    # 6. closure approved, a follow-up visit; the applicant rates
    s.case_transition(case, "approve_closure", actor=director)
    s.record_add(
        case,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="phone",
        visitee="王小芳",
        performance="performed",
        satisfaction="satisfied",
    )
    applicant.goto("/p/case/")
    expect(applicant.get_by_role("link", name="签署协议")).to_have_count(0)
    fits_the_phone(applicant)
    applicant.get_by_role("link", name="去评价").tap()
    expect(applicant).to_have_url(re.compile(r"/p/rate/$"))
    expect(applicant.get_by_role("heading", name="您对这次调解满意吗？")).to_be_visible()
    fits_the_phone(applicant)
    satisfied = applicant.locator("input[name=satisfaction][value=satisfied]")
    applicant.locator("label.p-choice").filter(has=satisfied).tap()
    expect(satisfied).to_be_checked()
    applicant.get_by_role("button", name="提交评价").tap()
    expect(applicant.get_by_role("heading", name="谢谢您的评价")).to_be_visible()
    expect(applicant.get_by_role("status")).to_contain_text("满意")
    fits_the_phone(applicant)
    assert script_errors == [], f"script errors on the party pages: {script_errors}"
