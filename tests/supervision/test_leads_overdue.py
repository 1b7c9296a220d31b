"""The 逾期线索 card of the supervision dashboard and the home page (SPEC §13): the number on the
card is the length of the lead list its link opens, scoped as leads are (白水县 never counts in
青山县)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cases.models import Region
from screening.models import Lead

pytestmark = pytest.mark.django_db
User = get_user_model()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def listed(client: Client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    match = re.search(r'id="lead-count">共 (\d+) 条', page.content.decode())
    assert match, url
    return int(match.group(1))


def href(page: str, link_id: str) -> str:
    match = re.search(rf'href="([^"]+)" id="{link_id}"', page)
    assert match, link_id
    return html.unescape(match.group(1))


def figure(page: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}"><div class="sv-card__n">(\d+)<', page)
    assert match, name
    return int(match.group(1))


@pytest.fixture
def leads(world):
    """青山县 (东村第一网格, by `grid`): a high-risk and a low-risk lead past triage, a watching
    lead past its check date, one still in time, one closed long ago; 白水县 (西村, by `grid_b`):
    one high-risk lead past triage."""
    from workflows.services import lead_report

    today = timezone.localdate()
    grid, grid_b = User.objects.get(username="grid"), User.objects.get(username="grid_b")
    east_grid = Region.objects.get(name="东村第一网格")

    def make(actor, region, risk, status="reported", due_days=-1, check_days=None):
        lead = lead_report(
            actor=actor,
            region=region,
            description="排水沟堵塞争吵",
            place="一组",
            people_involved=2,
        )
        Lead.objects.filter(pk=lead.pk).update(
            risk_level=risk,
            status=status,
            triage_due=today + dt.timedelta(days=due_days),
            next_check_on=None if check_days is None else today + dt.timedelta(days=check_days),
        )
        return lead

    return {
        "high": make(grid, east_grid, "critical"),
        "low": make(grid, east_grid, "low", due_days=-3),
        "watching": make(grid, east_grid, "medium", status="watching", check_days=-1),
        "in_time": make(grid, east_grid, "high", due_days=0),
        "watch_in_time": make(grid, east_grid, "high", status="watching", check_days=2),
        "closed": make(grid, east_grid, "high", status="closed", due_days=-30),
        "baishui": make(grid_b, world["west_village"], "high"),
    }


def test_dashboard_card_equals_the_list_it_links(leads, supervisor):
    c = client_for(supervisor)
    page = c.get("/supervision/").content.decode()
    assert figure(page, "leads_overdue") == 3  # high, low, watching; 白水县 not counted
    high = re.search(r'data-figure="leads_overdue_high">(\d+)<', page)
    assert high and int(high.group(1)) == 1
    assert listed(c, href(page, "leads-overdue-link")) == 3
    assert listed(c, href(page, "leads-overdue-high-link")) == 1


def test_dashboard_card_follows_the_picked_region(leads, supervisor_city, world):
    c = client_for(supervisor_city)
    page = c.get("/supervision/").content.decode()
    assert figure(page, "leads_overdue") == 4  # the city: both counties
    url = href(page, "leads-overdue-link")
    assert listed(c, url) == 4
    page = c.get("/supervision/", {"region": world["baishui"].pk}).content.decode()
    assert figure(page, "leads_overdue") == 1
    assert listed(c, href(page, "leads-overdue-link")) == 1
    assert listed(c, href(page, "leads-overdue-high-link")) == 1
    page = c.get("/supervision/", {"region": world["qingshan"].pk}).content.decode()
    assert figure(page, "leads_overdue") == 3


def test_dashboard_card_for_a_director_is_the_committee(leads, director):
    c = client_for(director)
    page = c.get("/supervision/").content.decode()
    assert figure(page, "leads_overdue") == 3
    assert listed(c, href(page, "leads-overdue-link")) == 3


def test_home_card_of_the_committee_equals_the_list(leads, clerk, director, outsider):
    for user, n in ((clerk, 3), (director, 3), (outsider, 1)):
        c = client_for(user)
        page = c.get("/").content.decode()
        match = re.search(
            r'href="([^"]+)" data-card="leads_overdue"><div class="tj-card__n">(\d+)<', page
        )
        assert match, user
        assert int(match.group(2)) == n, user
        assert listed(c, html.unescape(match.group(1))) == n, user


def test_lead_list_refuses_an_unknown_region(leads, supervisor):
    page = client_for(supervisor).get("/screening/", {"region": 999999, "overdue": "yes"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "区域不存在。" in body and 'id="lead-count">共 0 条' in body


def test_dashboard_card_follows_a_lead_change_at_once(leads, supervisor, clerk):
    """The dashboard's part is cached per change (web/fragments.py): a lead's event is one."""
    from workflows.services import lead_transition

    c = client_for(supervisor)
    assert figure(c.get("/supervision/").content.decode(), "leads_overdue") == 3
    lead = Lead.objects.get(pk=leads["high"].pk)
    lead_transition(lead, "close", actor=clerk, version=None, note="核实无纠纷")
    assert figure(c.get("/supervision/").content.decode(), "leads_overdue") == 2
