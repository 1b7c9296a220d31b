"""Every home card opens exactly the cases it counts: for each card of each role, the number
on the card is the number of rows of the list it links to."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.supervision.conftest import _cohort_pks, cohort, today  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

CARD = re.compile(
    r'<a class="tj-card[^"]*" href="([^"]+)" data-card="(\w+)"><div class="tj-card__n"[^>]*>(\d+)</div>'
)
ROLES = ["clerk", "director", "mediator", "supervisor", "supervisor_city", "clerk_b", "admin"]


def cards(client) -> dict[str, tuple[int, str]]:
    html = client.get("/").content.decode()
    return {key: (int(n), href.replace("&amp;", "&")) for href, key, n in CARD.findall(html)}


def rows(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    if "page" in response.context and hasattr(response.context["page"], "paginator"):
        page = response.context["page"]
        if href.startswith(reverse("workflows:tasks")):  # 我的待办
            assert len(page.object_list) == min(page.paginator.count, 50)
            return response.context["count"]
        html = response.content.decode()
        if page.paginator.num_pages == 1 and 'id="case-list"' in html:
            body = html.split('id="case-list"')[1].split("<tbody>")[1].split("</tbody>")[0]
            shown = body.count("<tr>") - (1 if "没有符合条件的案件" in body else 0)
            assert shown == page.paginator.count, href
        return page.paginator.count
    raise AssertionError(f"{href} is not a list")


@pytest.mark.parametrize("username", ROLES)
def test_each_card_counts_the_rows_of_its_list(cohort, today, client, username):  # noqa: F811
    client.force_login(get_user_model().objects.get(username=username))
    found = cards(client)
    assert "tasks" in found and "total" in found and "high_risk" in found
    for key, (n, href) in found.items():
        assert rows(client, href) == n, f"{username}: card {key} shows {n}, {href} lists otherwise"


def test_the_high_risk_card_counts_high_and_critical(cohort, today, client):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="supervisor"))
    found = cards(client)
    # D (高) and E (重大) are open; J (高) is archived. The link used to filter on 高 only.
    assert found["high_risk"][0] == 2
    assert "risk_min=high" in found["high_risk"][1]
    assert found["overdue"][0] == 3  # B, F and Z (registered before the dashboard period)


def test_cards_per_role(cohort, today, client):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="director"))
    assert {"intake", "my_cases", "awaiting_approval"} <= set(cards(client))
    client.force_login(get_user_model().objects.get(username="supervisor"))
    assert not {"intake", "my_cases", "awaiting_approval"} & set(cards(client))


def test_unknown_shortcut_value_is_ignored_not_an_error(cohort, today, client):  # noqa: F811
    client.force_login(get_user_model().objects.get(username="supervisor"))
    total = cards(client)["total"][0]
    assert rows(client, "/cases/?risk_min=extreme&due=later&mine=maybe") == total


def test_the_list_says_which_card_shortcuts_apply_and_keeps_them_when_refined(client, clerk):
    client.force_login(clerk)
    body = client.get("/cases/?risk_min=high&open=yes").content.decode()
    assert 'id="shortcuts"' in body and "风险为高或重大" in body and "在办" in body
    assert '<input type="hidden" name="risk_min" value="high">' in body
    assert '<input type="hidden" name="open" value="yes">' in body
    assert 'id="shortcuts"' not in client.get("/cases/").content.decode()
