"""A grid worker on a 375-px phone (SPEC §13, issue 15): logs in through the login page, reports a
lead with the fewest fields and a photo carrying a GPS position, sees the lead with its number;
a clerk on a desktop triages it, and the grid worker, reloading, sees the new status. The lead
form has tap targets of at least 44 px and no horizontal scroll.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_grid_phone.py`.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from screening.models import Lead
from tests.e2e.screens import PHONE
from tests.e2e.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GPS_IFD = 0x8825
WHAT = "两户因排水沟堵塞争吵，已推搡"


def gps_jpeg() -> bytes:
    """A camera-sized JPEG (that the page shrinks before sending) whose EXIF holds a GPS
    position (30°15′N 114°10′E)."""
    exif = Image.Exif()
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (114.0, 10.0, 0.0)})
    out = io.BytesIO()
    picture = Image.effect_noise((2400, 1800), 40).convert("RGB")
    picture.save(out, "JPEG", quality=95, exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "the test photo has GPS"
    return data


SMALL_TARGETS = """(root) => {
  // every control of the lead form, measured where the thumb lands: a checkbox by its label
  const small = [];
  for (const el of root.querySelectorAll("input:not([type=hidden]), select, textarea, button, a")) {
    let box = el;
    if (el.type === "checkbox" || el.type === "radio") box = el.closest("label") || root.querySelector(`label[for="${el.id}"]`) || el;
    const r = box.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not shown
    if (r.height < 44 || r.width < 44) small.push(`${el.name || el.id || el.textContent.trim()}: ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return small;
}"""


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px wide"


def attach_photo(page: Page) -> None:
    page.set_input_files(
        "#id_photos", {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg()}
    )
    expect(page.locator(".tj-photos__preview img")).to_have_count(1)  # photos.js is done
    expect(page.locator("#id_photos[data-shrinking]")).to_have_count(0)


def stored_gps(lead: Lead) -> dict:
    with lead.photos.get().file.open("rb") as f:
        return dict(Image.open(io.BytesIO(f.read())).getexif().get_ifd(GPS_IFD))


def test_grid_worker_reports_a_lead_with_a_photo_and_sees_it_triaged(new_page, world):
    phone = new_page(**PHONE)
    login(phone, "grid")
    # 上报线索 is the first thing on the grid worker's home page
    phone.locator("[data-report-lead]").first.click()
    expect(phone.get_by_role("heading", name="上报线索")).to_be_visible()
    no_horizontal_scroll(phone)
    small = phone.locator(".tj-lead-form").evaluate(SMALL_TARGETS)
    assert small == [], f"tap targets under 44 px: {small}"

    # the fewest fields: place, what, how many, one risk toggle, a photo
    phone.fill("#id_place", "东村一组水塘边")
    phone.fill("#id_description", WHAT)
    phone.fill("#id_people_involved", "4")
    toggle = phone.locator("[data-field=risk_factors] label", has_text="扬言")
    if not toggle.count():
        toggle = phone.locator("[data-field=risk_factors] label").first
    toggle.first.tap()
    expect(toggle.first.locator("input")).to_be_checked()
    attach_photo(phone)
    phone.locator("#submit-lead").tap()
    expect(phone).to_have_url(re.compile(r"/screening/\d+/$"))

    lead = Lead.objects.get(description=WHAT)
    expect(phone.get_by_role("heading", name=lead.number)).to_be_visible()
    expect(phone.get_by_text(f"已上报线索{lead.number}")).to_be_visible()
    expect(phone.locator("[data-status=reported]")).to_be_visible()
    expect(phone.locator(".tj-lead-photos img")).to_have_count(1)
    no_horizontal_scroll(phone)
    assert lead.place == "东村一组水塘边" and lead.people_involved == 4
    assert lead.risk_factors, "the toggle was recorded"
    photo = lead.photos.get()
    assert not photo.kept_location and max(photo.width, photo.height) <= 1600  # shrunk
    assert stored_gps(lead) == {}, "the stored photo kept its GPS position"

    # the clerk, at a desk, puts it under watch
    desk = new_page()
    login(desk, "clerk")
    desk.goto(f"/screening/{lead.pk}/")
    desk.locator("[data-transition=watch]").click()
    desk.fill("#id_note", "双方情绪激动，三天后回访")
    check_on = timezone.localdate() + dt.timedelta(days=3)
    desk.fill("#id_next_check_on", check_on.isoformat())
    desk.get_by_role("button", name="确定").click()
    expect(desk.locator("[data-status=watching]")).to_be_visible()

    # the grid worker reloads and sees it
    phone.reload()
    expect(phone.locator("[data-status=watching]")).to_have_text("跟踪关注")
    expect(phone.locator("#lead-events")).to_contain_text("双方情绪激动")
    # and in their list
    phone.goto("/screening/")
    expect(phone.locator("#lead-list")).to_contain_text("跟踪关注")
    no_horizontal_scroll(phone)


def test_a_grid_worker_may_keep_the_photo_location(new_page, world):
    """Ticking 保留照片中的位置信息 sends the picture as chosen: the phone's redrawn copy has no
    location left to keep."""
    phone = new_page(**PHONE)
    login(phone, "grid")
    phone.goto("/screening/new/")
    phone.fill("#id_description", WHAT)
    phone.fill("#id_people_involved", "2")
    attach_photo(phone)
    phone.locator("label[for=id_keep_location]").tap()
    expect(phone.locator("#id_keep_location")).to_be_checked()
    phone.locator("#submit-lead").tap()
    expect(phone).to_have_url(re.compile(r"/screening/\d+/$"))
    lead = Lead.objects.get(description=WHAT)
    assert lead.photos.get().kept_location
    assert stored_gps(lead).get(1) == "N", "the location the reporter kept was lost"
