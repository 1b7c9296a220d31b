"""The forms of 排查 and of the county's work fail as loudly as the case forms (issue 14):
submitted empty, on a 375-px phone and on a desktop, each shows the error summary with a link
per field, every message naming its field, and the first invalid field focused
(tests/e2e/test_forms.py::submit_empty_and_check). Logged in through the login page.

Also here: the county's claim, register, review and notice forms, the account's password and
2FA forms, 发起排查活动, 不予受理, the case import, the agreement draft and its paper signature,
the login form and the party pages (/p/). The forms that answer with one message instead of the
summary (review score, 2FA code, 不予受理, the party pages) are checked for that message, naming
what is missing (submit_empty_and_see_the_alert); every error state is also run through axe-core.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_feature_forms.py`.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Region
from tests.county import conftest as county
from tests.e2e.screens import DESKTOP, PHONE
from tests.e2e.test_accessibility import violations
from tests.e2e.test_browser import login, logout
from tests.e2e.test_forms import EMPTY_FORM, PHONE_SIZE, phone_sized, submit_empty_and_check
from workflows import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()
# the county's fixtures (four cases archived in 2026-Q3, a tariff; the township supervisor)
quarter, township = county.quarter, county.township
# Lead transitions with a required field (to_case needs nothing typed: empty, it would act).
LEAD_FORMS = [
    ("resolve_on_site", "mediator"),
    ("refer", "clerk"),
    ("watch", "clerk"),
    ("close", "clerk"),
]


def _lead(world):
    return services.lead_report(
        actor=User.objects.get(username="grid"),
        region=Region.objects.get(name="东村第一网格"),
        description="两户因排水沟堵塞争吵",
        place="东村一组",
        people=[{"name": "王大明", "role": "applicant"}],
        dispute_type=world["neighbour"],
    )


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_every_new_form_shows_its_errors(new_page, world, screen):
    from county.models import MediatorRecord

    options = PHONE if screen == "phone" else DESKTOP
    lead = _lead(world)
    record = MediatorRecord.objects.filter(organizations=world["east"]).first()
    assert record is not None, "the demo register has the east committee's mediators"

    page = new_page(**options)
    login(page, "grid")
    page.goto(reverse("screening:report"))
    if screen == "phone":
        phone_sized(page, "上报线索")
    submit_empty_and_check(page, "上报", f"上报线索 ({screen})")
    logout(page)

    for name, who in LEAD_FORMS:
        login(page, who)
        page.goto(reverse("screening:act", args=[lead.pk, name]))
        submit_empty_and_check(page, "确定", f"线索 {name} ({screen}, {who})")
        logout(page)

    login(page, "director")
    page.goto(reverse("county:mediator-new"))
    submit_empty_and_check(page, "保存", f"调解员名册 新增 ({screen})")
    page.goto(reverse("county:mediator", args=[record.pk]))
    submit_empty_and_check(page, "添加", f"培训记录 ({screen})")


def assert_accessible(page, where: str) -> None:
    """The page with its errors shown: no serious or critical axe-core violation."""
    found = violations(page)
    assert not found, f"{where}: " + "\n".join(found)


def submit_empty_and_see_the_alert(
    page, button: str, where: str, names: list[str], invalid: str | None = None, at: str = ""
) -> None:
    """For the forms that answer with one message rather than the error summary (the review
    score, the second-factor code, the party pages): empty, submitted, the page stays and says
    what is missing, naming it."""
    url = page.url.split("?")[0] + at  # `at`: the form's own URL, when it answers there
    page.locator("main form").filter(
        has=page.get_by_role("button", name=button, exact=True)
    ).evaluate("form => { form.noValidate = true; (" + EMPTY_FORM + ")(form); }")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    assert page.url.split("?")[0] == url.split("?")[0], f"{where}: left the form ({page.url})"
    alert = page.get_by_role("alert").filter(has_text=names[0])
    expect(alert.first, where).to_be_visible()
    for name in names:
        expect(page.locator("main"), where).to_contain_text(name)
    assert_accessible(page, where)
    if invalid:  # the field is marked and points at its message
        field = page.locator(invalid)
        expect(field, where).to_have_attribute("aria-invalid", "true")
        message = field.get_attribute("aria-describedby")
        expect(page.locator(f"#{message}"), where).to_contain_text(names[0])


def test_the_county_and_account_forms_show_their_errors(new_page, quarter, director, supervisor):
    """Submitted empty at desktop and 375 px: the director's claim draft, mediator edit and
    import, notice answer, password change and 2FA code; the supervisor's review round and
    score. Nothing is created by an empty form."""
    from county.models import Claim, LineShare, MediatorRecord, ReviewNotice, ReviewRound

    record = MediatorRecord.objects.filter(organizations=quarter["first"].organization).first()
    round_ = county.open_q3_round(supervisor, quarter)
    item = round_.items.first()
    sizes = [("desktop", DESKTOP["viewport"]), ("375px", PHONE_SIZE)]

    page = new_page()
    login(page, "supervisor")
    for label, size in sizes:
        page.set_viewport_size(size)
        page.goto(reverse("county:reviews"))
        submit_empty_and_check(page, "抽取案卷", f"评查 抽取 ({label})")
        assert_accessible(page, f"评查 抽取 ({label})")
        if size is PHONE_SIZE:
            phone_sized(page, "评查 抽取")
        page.goto(reverse("county:review-item", args=[round_.pk, item.pk]))
        submit_empty_and_see_the_alert(page, "保存评分", f"案卷评分 ({label})", ["受理合法"])
    logout(page)

    notice = county.score_and_notify(round_, supervisor)

    login(page, "director")
    forms = [
        (reverse("county:claims"), "起草", "季度申报 起草"),
        (reverse("county:mediator-edit", args=[record.pk]), "保存", "调解员名册 修改"),
        (reverse("county:mediator-import"), "检查并导入", "调解员名册 导入"),
        (reverse("county:review-notice", args=[round_.pk, notice.pk]), "答复整改情况", "整改答复"),
        (reverse("password_change"), "修改密码", "修改密码"),
    ]
    for label, size in sizes:
        page.set_viewport_size(size)
        for url, button, where in forms:
            page.goto(url)
            submit_empty_and_check(page, button, f"{where} ({label})")
            assert_accessible(page, f"{where} ({label})")
            if size is PHONE_SIZE:
                phone_sized(page, where)
        page.goto(reverse("two_factor_setup"))
        submit_empty_and_see_the_alert(
            page, "确认启用", f"两步验证 ({label})", ["验证码"], invalid="#id_code"
        )
    assert not Claim.objects.exists()
    assert ReviewRound.objects.count() == 1
    notice.refresh_from_db()
    assert notice.answered_at is None and ReviewNotice.objects.count() == 1

    # the shares of a case two mediators worked on, emptied
    claim = services.claim_draft(
        actor=director, organization=quarter["first"].organization, period="2026-Q3"
    )
    line = claim.lines.get(case=quarter["big"])
    shares = list(LineShare.objects.filter(line=line).order_by("pk").values())
    for label, size in sizes:
        page.set_viewport_size(size)
        page.goto(reverse("county:claim", args=[claim.pk]))
        form = page.locator(f"form[data-shares='{line.pk}']")
        form.evaluate(EMPTY_FORM)
        form.get_by_role("button", name="设定分配比例").click()
        page.wait_for_load_state("load")
        alert = page.get_by_role("alert")
        expect(alert, label).to_contain_text(f"案件{quarter['big'].number}：比例")
        assert_accessible(page, f"分配比例 ({label})")
    assert list(LineShare.objects.filter(line=line).order_by("pk").values()) == shares


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_party_forms_show_their_errors(
    new_page, world, party_cases, settings, tmp_path, screen
):
    """The party pages (/p/): 申请, 查询, 验证码, 签署 and 评价 submitted empty (the browser's own
    check of `required` switched off, so the page's answer is seen) each say what is missing."""
    from cases.models import PartyRating as Rating
    from portal.models import Application
    from tests.e2e.test_party_phone import PHONE_360, code_of, next_minute
    from tests.factories import party
    from tests.portal.helpers import make_outbox

    outbox = make_outbox(settings, tmp_path)
    options = PHONE_360 if screen == "phone" else DESKTOP
    signing_case, done = party_cases

    page = new_page(**options)
    page.goto(reverse("portal:apply"))
    submit_empty_and_see_the_alert(page, "提交申请", f"网上申请 ({screen})", ["手机号码"])

    def follow(case, phone: str):
        page = new_page(**options)
        next_minute(phone)
        page.goto(reverse("portal:start"))
        submit_empty_and_see_the_alert(page, "获取验证码", f"查询 ({screen})", ["查询码"])
        page.fill("#case_code", case.party_code)
        page.fill("#phone", phone)
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_url("**/p/verify/")
        submit_empty_and_see_the_alert(page, "查看进度", f"验证码 ({screen})", ["验证码"])
        page.fill("#sms_code", code_of(outbox, phone))
        page.get_by_role("button", name="查看进度").click()
        page.wait_for_url("**/p/case/")
        return page

    page = follow(signing_case, party("applicant", 1)["phone"])
    page.get_by_role("link", name="签署协议").click()
    page.wait_for_url("**/p/sign/*/")
    submit_empty_and_see_the_alert(page, "同意并签署", f"签署 ({screen})", ["签名"])
    page = follow(done, party("applicant", 3)["phone"])
    page.goto(reverse("portal:rate"))
    submit_empty_and_see_the_alert(page, "提交评价", f"评价 ({screen})", ["满意"])
    assert not Application.objects.exists() and not Rating.objects.exists()
    assert not signing_case.agreement_drafts.filter(signatures__status="signed").exists()


def test_the_sweep_application_and_import_forms_show_their_errors(
    new_page, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    """发起排查活动 (township supervisor), 不予受理 of an online application and the case import
    upload (clerk), submitted empty at desktop and 375 px."""
    from portal.models import Application
    from screening.models import Sweep
    from tests.portal.helpers import make_outbox, submit

    outbox = make_outbox(settings, tmp_path)
    application = submit(world, outbox, django_capture_on_commit_callbacks)
    sizes = [("desktop", DESKTOP["viewport"]), ("375px", PHONE_SIZE)]

    page = new_page()
    login(page, "supervisor_town")
    for label, size in sizes:
        page.set_viewport_size(size)
        page.goto(reverse("screening:sweeps"))
        submit_empty_and_check(page, "发起", f"发起排查活动 ({label})")
        assert_accessible(page, f"发起排查活动 ({label})")
        if size is PHONE_SIZE:
            phone_sized(page, "发起排查活动")
    logout(page)

    login(page, "clerk")
    for label, size in sizes:
        page.set_viewport_size(size)
        page.goto(reverse("cases:import", args=[world["east"].pk]))
        submit_empty_and_check(page, "检查文件（不导入）", f"案件导入 ({label})")
        assert_accessible(page, f"案件导入 ({label})")
        if size is PHONE_SIZE:
            phone_sized(page, "案件导入")
        page.goto(reverse("applications:detail", args=[application.pk]))
        submit_empty_and_see_the_alert(
            page, "不予受理", f"不予受理 ({label})", ["不予受理的理由"], at="decline/"
        )
        expect(page.get_by_role("heading", level=1)).to_contain_text(application.reference)
    assert not Sweep.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_the_agreement_draft_forms_show_their_errors(
    new_page, world, register, walk, mediator, settings, tmp_path
):
    """拟定协议草稿 submitted empty, and 标记纸质签名 without the photo of the signed page (the
    browser's own check first, then the server's answer), at desktop and 375 px."""
    from cases.models import AgreementDraft
    from tests.e2e.conftest import prepare_signing
    from tests.portal.helpers import make_outbox

    make_outbox(settings, tmp_path)
    case = walk(register(), "session_held")
    sizes = [("desktop", DESKTOP["viewport"]), ("375px", PHONE_SIZE)]
    page = new_page()
    login(page, "mediator")
    for label, size in sizes:
        page.set_viewport_size(size)
        page.goto(reverse("cases:agreement-draft", args=[case.pk]))
        submit_empty_and_check(page, "保存草稿并通知当事人签署", f"协议草稿 ({label})")
        if size is PHONE_SIZE:
            phone_sized(page, "协议草稿")
        assert_accessible(page, f"协议草稿 ({label})")
    assert not AgreementDraft.objects.filter(case=case).exists()

    case.refresh_from_db()
    prepare_signing(case, mediator)
    for label, size in sizes:
        page.set_viewport_size(size)
        page.goto(reverse("cases:detail", args=[case.pk]))
        form = page.locator("#signatures form").first
        photo = form.locator("input[type=file]")
        form.get_by_role("button", name="标记纸质签名").click()
        # the browser refuses first: the field is required, the page stays
        assert photo.evaluate("e => e.validity.valueMissing && e.validationMessage !== ''")
        form.evaluate("f => { f.noValidate = true; }")
        form.get_by_role("button", name="标记纸质签名").click()
        page.wait_for_load_state("load")
        expect(page.locator(".tj-msg--error"), label).to_contain_text("请选择签字页的照片")
        assert_accessible(page, f"纸质签名 ({label})")
    draft = AgreementDraft.objects.get(case=case)
    assert not draft.signatures.filter(status="signed").exists()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_login_form_submitted_empty(new_page, world, screen):
    """The browser's own check stops an empty login first (both fields are required); without
    it the page answers with each field marked and its message naming it."""
    page = new_page(**(PHONE if screen == "phone" else DESKTOP))
    page.goto(reverse("login"))
    # an empty form is invalid to the browser, which then does not send it
    assert not page.locator("main form").evaluate("f => f.checkValidity()")
    assert page.locator("#id_username").evaluate("e => e.validity.valueMissing")
    page.locator("main form").evaluate("f => { f.noValidate = true; }")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    for field, name in (("#id_username", "用户名"), ("#id_password", "密码")):
        expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
        message = page.locator(field).get_attribute("aria-describedby")
        expect(page.locator(f"#{message}")).to_contain_text(f"请填写{name}")
    assert_accessible(page, f"登录 ({screen})")
