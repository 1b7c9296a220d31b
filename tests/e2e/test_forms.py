"""Forms that never fail silently, and the phone (a real browser, see conftest.py).

Every form the clerk and the mediator can open on a case in each stage (the action table of
web/actions.py, plus the register form) is submitted empty on a desktop screen and at 375 px:
the error summary ("请修改以下 N 处后再提交：", a link per field) is shown and the first invalid
field has the focus. A half-filled register form survives a reload (a draft in localStorage,
restored with a notice and a 清除 button) and is gone once the case is registered; what was typed
stays in the form when someone else changed the case meanwhile (案件已被他人修改). On the phone:
16-px fields, 44-px targets, whole task cards tappable, stacked tables keep their column labels,
full phone numbers are tel: links, grey text has a 4.5:1 contrast.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_forms.py`.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case
from tests.e2e.screens import DESKTOP
from tests.e2e.test_browser import fill_register, login
from web import actions
from workflows import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAGES = ["investigation", "mediation", "closure", "follow_up", "archived"]
PHONE_SIZE = {"width": 375, "height": 812}

# Every field of the form emptied: text cleared, blank option chosen, boxes unticked.
EMPTY_FORM = """form => {
  for (const el of form.elements) {
    if (!el.name || el.type === 'hidden' || el.type === 'submit' || el.type === 'button') continue;
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
    else if (el.tagName === 'SELECT') {
      const blank = [...el.options].find(o => o.value === '');
      if (blank) el.value = ''; else if (el.multiple) for (const o of el.options) o.selected = false;
    } else el.value = '';
  }
}"""


def _has_required(form_class) -> bool:
    """A form with nothing required (a confirmation) is valid empty: submitting it would act."""
    return any(f.required for f in form_class.base_fields.values())


def submit_empty_and_check(page: Page, button: str, where: str) -> None:
    """Empty the page's form, submit it, and see the summary and the focused first field."""
    url = page.url
    form = page.locator("main form.tj-form")
    form.evaluate(EMPTY_FORM)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    assert page.url.split("?")[0] == url.split("?")[0], f"{where}: left the form ({page.url})"
    summary = page.locator("[data-error-summary]")
    expect(summary, where).to_be_visible()
    expect(summary, where).to_have_attribute("role", "alert")
    items = summary.locator("li")
    n = items.count()
    assert n >= 1, where
    expect(summary.locator(".tj-errsum__title"), where).to_have_text(f"请修改以下 {n} 处后再提交：")
    links = summary.locator("a[href^='#']")
    assert links.count() >= 1, f"{where}: no link to a field"
    for text in links.all_inner_texts():  # each message names its field
        assert re.match(r"^(当事人 \d+ · )?(请填写|请选择)\S+|\S+：", text), f"{where}: {text!r}"
    first = links.first.get_attribute("href")[1:]
    first_invalid = page.evaluate("document.querySelector('main form [aria-invalid=true]').id")
    assert first == first_invalid, where
    expect(page.locator(f"#{first}"), where).to_be_focused()
    # the field's own line names it too
    field = page.locator(".tj-field--error").first
    label = field.locator("label").first.inner_text().strip().rstrip("：:* ")
    expect(field.locator(".tj-field__error"), where).to_contain_text(label)
    # a link in the summary takes the user to its field
    links.last.click()
    expect(page.locator(links.last.get_attribute("href")), where).to_be_focused()


def phone_sized(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, f"{where}: scrolls sideways ({width} px)"
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('main form.tj-form input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main form.tj-form select, main form.tj-form textarea, body')]
             .map(e => [e.name || e.tagName, parseFloat(getComputedStyle(e).fontSize)])"""
    )
    small = [s for s in sizes if s[1] < 16]
    assert not small, f"{where}: text under 16 px {small}"
    targets = page.evaluate(
        """() => [...document.querySelectorAll('main form.tj-form button, main form.tj-form .tj-btn, [data-error-summary] a, main form.tj-form input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main form.tj-form select')]
             .filter(e => e.offsetParent !== null)
             .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])"""
    )
    low = [t for t in targets if t[1] < 44]
    assert not low, f"{where}: tap targets under 44 px {low}"


def check_forms_of(page: Page, user, cases: list[Case], seen: set[str] | None = None) -> int:
    """Every action form `user` may open on these cases, empty, at desktop and 375 px; the
    names of the actions checked are added to `seen`."""
    checked = 0
    for case in cases:
        case.refresh_from_db()
        offered = [a for a in actions.available(case, user) if _has_required(a.form)]
        if not offered:
            continue
        page.set_viewport_size(DESKTOP["viewport"])
        page.goto(f"/cases/{case.pk}/")
        for action in offered:  # the case page offers each of them
            expect(page.locator(f"a[data-action={action.name}]")).to_have_count(1)
        for action in offered:
            for size in (DESKTOP["viewport"], PHONE_SIZE):
                where = f"{user.username} · {case.status} · {action.name} · {size['width']}px"
                page.set_viewport_size(size)
                page.goto(f"/cases/{case.pk}/act/{action.name}/")
                submit_empty_and_check(page, "确定", where)
                if size is PHONE_SIZE:
                    phone_sized(page, where)
                checked += 1
            if seen is not None:
                seen.add(action.name)
    return checked


def test_every_form_shows_its_errors_desktop_and_phone(
    new_page, world, register, walk, clerk, mediator
):
    cases = [register()] + [walk(register(), stage) for stage in STAGES]
    before = {c.pk: (c.status, c.version) for c in Case.objects.all()}
    requested: list[str] = []

    page = new_page()
    page.on("request", lambda r: requested.append(r.url))
    login(page, "clerk")
    # the register form, empty, at both sizes
    for size in (DESKTOP["viewport"], PHONE_SIZE):
        page.set_viewport_size(size)
        page.goto("/cases/new/")
        submit_empty_and_check(page, "登记", f"register {size['width']}px")
        if size is PHONE_SIZE:
            phone_sized(page, "register")
    clerk_count = check_forms_of(page, clerk, cases)

    page = new_page()
    page.on("request", lambda r: requested.append(r.url))
    login(page, "mediator")
    mediator_count = check_forms_of(page, mediator, cases)

    assert clerk_count >= 4 and mediator_count >= 10, (clerk_count, mediator_count)
    # nothing was changed by an empty form
    assert {c.pk: (c.status, c.version) for c in Case.objects.all()} == before
    # no viewflow or Turbo asset anywhere: a form post is a plain page load
    assert not [u for u in requested if re.search(r"viewflow|turbo|material", u, re.I)]
    assert any(u.endswith("/static/tiaojie/forms.js") for u in requested)


def test_director_and_supervisor_forms_show_their_errors(
    new_page, world, register, walk, director, supervisor, mediator
):
    """The forms only a director (更换调解员, 批准结案, 重新调解…) or a supervisor (督办, on the
    case and on the supervision page with its editable notice) can open."""
    cases = [register()] + [walk(register(), stage) for stage in STAGES]
    # 重新调解 after a follow-up visit found the agreement not performed
    unperformed = walk(register(), "follow_up")
    services.record_add(
        unperformed,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="phone",
        visitee="王大明",
        performance="not_performed",
        satisfaction="unsatisfied",
    )
    cases.append(unperformed)
    before = {c.pk: (c.status, c.version) for c in Case.objects.all()}

    page = new_page()
    login(page, "director")
    seen: set[str] = set()
    check_forms_of(page, director, cases, seen)
    assert {"reassign", "approve_closure", "reopen"} <= seen, seen
    page.get_by_role("button", name="退出").click()

    login(page, "supervisor")
    seen = set()
    check_forms_of(page, supervisor, cases, seen)
    assert "supervise" in seen, seen
    for size in (DESKTOP["viewport"], PHONE_SIZE):
        where = f"督办 page {size['width']}px"
        page.set_viewport_size(size)
        page.goto(f"/supervision/cases/{cases[1].pk}/supervise/")
        submit_empty_and_check(page, "发出督办通知", where)
        if size is PHONE_SIZE:
            phone_sized(page, where)
    assert {c.pk: (c.status, c.version) for c in Case.objects.all()} == before


def drafts(page: Page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tj-draft:'))")


def test_a_half_filled_register_form_survives_a_reload(new_page, world):
    page = new_page()
    login(page, "clerk")
    page.goto("/cases/new/")
    page.fill("#id_summary", "两家因宅基地界址发生争执")
    page.select_option("#id_dispute_type", label="邻里")
    page.click("#add-party")
    page.fill("#id_parties-2-name", "张村委")
    page.fill("#id_parties-0-name", "王大明")
    page.reload()

    notice = page.locator("[data-draft-notice]")
    expect(notice).to_contain_text("已恢复您上次未提交的内容")
    expect(page.locator("#id_summary")).to_have_value("两家因宅基地界址发生争执")
    expect(page.locator("#id_parties-0-name")).to_have_value("王大明")
    expect(page.locator("#id_parties-2-name")).to_have_value("张村委")  # the added party too
    expect(page.locator("#id_parties-TOTAL_FORMS")).to_have_value("3")
    assert page.locator("#id_dispute_type option:checked").inner_text() == "邻里"

    # 清除: the draft and the typed values are gone
    notice.get_by_role("button", name="清除").click()
    expect(notice).to_have_count(0)
    expect(page.locator("#id_summary")).to_have_value("")
    assert drafts(page) == []
    page.reload()
    expect(page.locator("[data-draft-notice]")).to_have_count(0)

    # typed again, refused once (no summary), then registered: the draft is gone
    page.fill("#id_requests", "确认界址")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    assert len(drafts(page)) == 1  # kept while the form comes back with errors
    fill_register(page, world)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".tj-msg--success")).to_contain_text("案件已登记")
    assert drafts(page) == []
    page.goto("/cases/new/")
    expect(page.locator("[data-draft-notice]")).to_have_count(0)
    expect(page.locator("#id_summary")).to_have_value("")

    # 退出 (a shared computer): the drafts leave with the user
    page.fill("#id_summary", "另一件纠纷")
    assert len(drafts(page)) == 1
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert drafts(page) == []


def test_typed_values_stay_when_someone_else_changed_the_case(new_page, register, walk, mediator):
    case = walk(register(), "mediation")
    page = new_page()
    login(page, "mediator")
    page.goto(f"/cases/{case.pk}/")
    page.locator("a[data-action=session_add]").click()
    page.fill("#id_held_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "调解室")
    page.fill("#id_attendees", "王大明、李小红")
    page.fill("#id_content", "双方各自陈述了意见")

    case.refresh_from_db()  # meanwhile someone else changes the case
    services.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=timezone.now(),
        place="村委会",
        interviewee="李小红",
        content="补充调查",
    )
    page.get_by_role("button", name="确定").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("案件已被他人修改")
    expect(summary).to_be_focused()  # no field to blame: the summary itself
    expect(page.locator("#id_place")).to_have_value("调解室")
    expect(page.locator("#id_content")).to_have_value("双方各自陈述了意见")
    # 请刷新后重试: the reloaded form (new version) brings the typed values back
    page.goto(page.url)
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    expect(page.locator("#id_content")).to_have_value("双方各自陈述了意见")
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".tj-msg--success")).to_contain_text("已办理")
    assert case.mediationsessions.filter(content="双方各自陈述了意见").count() == 1
    assert drafts(page) == []


def _contrast(rgb: str, background=(255, 255, 255)) -> float:
    def lum(c):
        c = [v / 255 for v in c]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    fg = [int(x) for x in re.findall(r"\d+", rgb)[:3]]
    a, b = sorted([lum(fg), lum(background)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_task_cards_tables_and_phones_on_a_375px_phone(new_page, register, walk):
    case = walk(register(), "investigation")
    page = new_page()
    page.set_viewport_size(PHONE_SIZE)
    login(page, "mediator")
    page.goto("/tasks/")
    card = page.locator("li[data-task=investigate]", has_text=case.number)
    box = card.bounding_box()
    assert box["height"] >= 44 and box["width"] <= 375
    muted = card.locator(".tj-muted")
    assert _contrast(muted.evaluate("e => getComputedStyle(e).color")) >= 4.5
    assert float(muted.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 14
    # the whole card is the link: a tap on its grey line opens the task
    grey = muted.bounding_box()
    page.mouse.click(grey["x"] + 5, grey["y"] + grey["height"] / 2)
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    for button in page.locator("main .tj-actions .tj-btn").all():
        assert button.bounding_box()["height"] >= 44

    page.goto(f"/cases/{case.pk}/")
    assert float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")) >= 16
    cells = page.locator("#parties tbody tr").first.locator("td")
    labels = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    assert labels == [
        '"身份："',
        '"姓名/名称："',
        '"证件："',
        '"出生："',
        '"联系电话："',
        '"住址："',
    ]
    assert [c.get_attribute("data-label") for c in cells.all()] == [
        "身份",
        "姓名/名称",
        "证件",
        "出生",
        "联系电话",
        "住址",
    ]
    tel = page.locator("#parties a[href^='tel:']")
    expect(tel).to_have_count(2)  # the mediator sees the full numbers
    phone = case.parties.order_by("pk").first().phone
    expect(tel.first).to_have_attribute("href", f"tel:{phone}")
    assert tel.first.bounding_box()["height"] >= 44
    assert all("*" not in (h or "") for h in tel.evaluate_all("a => a.map(x => x.href)"))
    label_color = cells.first.evaluate("td => getComputedStyle(td, '::before').color")
    assert _contrast(label_color) >= 4.5


def test_a_masked_phone_is_not_a_link(new_page, register, walk, supervisor):
    case = walk(register(), "investigation")
    page = new_page()
    login(page, supervisor.username)
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#parties")).to_contain_text("当事人")
    expect(page.locator("#parties a[href^='tel:']")).to_have_count(0)
