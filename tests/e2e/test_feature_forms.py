"""The forms of 排查 and of the county's work fail as loudly as the case forms (issue 14):
submitted empty, on a 375-px phone and on a desktop, each shows the error summary with a link
per field, every message naming its field, and the first invalid field focused
(tests/e2e/test_forms.py::submit_empty_and_check). Logged in through the login page.

Run with `flock /tmp/heavy.lock .venv/bin/pytest -q -m browser tests/e2e/test_feature_forms.py`.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cases.models import Region
from tests.e2e.screens import DESKTOP, PHONE
from tests.e2e.test_browser import login, logout
from tests.e2e.test_forms import phone_sized, submit_empty_and_check
from workflows import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()
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
