"""seed_demo (SPEC §10) is idempotent; every demo user can log in and sees their home page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cases.models import Case, Membership, Organization, Region
from demo.seed import PASSWORD
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db
User = get_user_model()
DEMO_USERS = [
    "admin",
    "clerk",
    "director",
    "mediator",
    "mediator2",
    "clerk_b",
    "mediator_b",
    "supervisor",
    "supervisor_city",
    "supervisor_town",  # demo/county.py: the township supervisor of 以案定补's 初审
    "grid",  # demo/screening.py: 网格员 of 东村第一网格 and of 西村 (SPEC §13)
    "grid_b",
]


def _counts():
    return (
        User.objects.count(),
        Region.objects.count(),
        Organization.objects.count(),
        Membership.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
    )


def test_seed_demo_is_idempotent():
    call_command("seed_demo", "--cases", "16", "--seed", "7")
    first = _counts()
    call_command("seed_demo", "--cases", "16", "--seed", "7")
    assert _counts() == first
    assert first[4] == 16
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(DEMO_USERS)
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"intake", "investigation", "mediation", "closure", "follow_up", "archived"}
    assert {"low", "high", "critical"} <= set(Case.objects.values_list("risk_level", flat=True))
    # the parties' side (demo/portal.py): once, however often the seed runs
    from cases.models import AgreementDraft, PartyRating
    from portal.models import Application

    assert Application.objects.filter(status="pending").count() == 1
    assert AgreementDraft.objects.filter(status="open").count() == 1
    assert PartyRating.objects.count() >= 1  # the archived visited cases (two at most)


def test_memberships_match_spec(world):
    def roles(username):
        return {
            (m.role, str(m.organization or m.region))
            for m in Membership.objects.filter(user__username=username)
        }

    assert roles("clerk") == {("clerk", "东村人民调解委员会")}
    assert roles("mediator_b") == {("mediator", "西村人民调解委员会")}
    assert roles("supervisor") == {("supervisor", "青山市青山县")}
    assert roles("supervisor_city") == {("supervisor", "青山市")}
    assert User.objects.get(username="admin").is_superuser


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_demo_user_logs_in_and_sees_home(client, world, username):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    home = client.get("/")
    assert home.status_code == 200
    assert "工作台" in home.content.decode()


def test_home_sections_per_role(client, world, register):
    register()
    client.force_login(User.objects.get(username="clerk"))
    page = client.get("/").content.decode()
    assert "待受理" in page and "待结案审批" not in page
    client.force_login(User.objects.get(username="director"))
    assert "待结案审批" in client.get("/").content.decode()
    client.force_login(User.objects.get(username="supervisor"))
    page = client.get("/").content.decode()
    assert "辖区案件总数" in page and "待受理" not in page


def test_wrong_password_shows_chinese_error(client, world):
    response = client.post("/accounts/login/", {"username": "clerk", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_and_static(client, world):
    client.force_login(User.objects.get(username="admin"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_english_switch(client, world):
    client.force_login(User.objects.get(username="clerk"))
    assert "工作台" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Dashboard" in page and "Awaiting intake decision" in page
