"""/me/, /regions/, /organizations/, /dispute-types/, /organizations/{id}/members/."""

import pytest

from cases.choices import DISPUTE_TYPES_V1
from tests.api import api, error, url


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_me_committee_member(clerk, world):
    body = api(clerk).get(url("me")).json()
    assert body["username"] == "clerk" and body["name"] == "赵登记"
    assert body["memberships"] == [
        {
            "role": "clerk",
            "organization": {
                "id": world["east"].pk,
                "name": "东村人民调解委员会",
                "code": "东村调委",
            },
            "region": {"id": world["east_village"].pk, "name": "东村"},
        }
    ]


def test_me_supervisor(supervisor, world):
    [m] = api(supervisor).get(url("me")).json()["memberships"]
    assert m == {
        "role": "supervisor",
        "organization": None,
        "region": {"id": world["qingshan"].pk, "name": "青山县"},
    }


def test_me_anonymous(db):
    error(api().get(url("me")), 401, "not_authenticated")


def test_regions_in_scope(clerk, supervisor, outsider, admin_user):
    assert _names(api(clerk).get(url("regions"))) == {"东村", "东村第一网格"}
    county = _names(api(supervisor).get(url("regions")))
    assert {"青山县", "东镇", "东村", "东村第一网格", "南村", "北村"} <= county
    assert not county & {"青山市", "白水县", "西村"}
    assert "东村" not in _names(api(outsider).get(url("regions")))
    assert {"青山市", "西村"} <= _names(api(admin_user).get(url("regions")))


def test_regions_are_paginated(admin_user):
    body = api(admin_user).get(url("regions"), {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 2 and body["count"] > 2 and body["next"]


def test_organizations_in_scope(clerk, supervisor, supervisor_city, outsider):
    assert _names(api(clerk).get(url("organizations"))) == {"东村人民调解委员会"}
    assert _names(api(supervisor).get(url("organizations"))) == {"东村人民调解委员会"}
    assert _names(api(outsider).get(url("organizations"))) == {"西村人民调解委员会"}
    assert _names(api(supervisor_city).get(url("organizations"))) == {
        "东村人民调解委员会",
        "西村人民调解委员会",
    }
    row = api(clerk).get(url("organizations")).json()["results"][0]
    assert row["code"] == "东村调委" and row["region"]["name"] == "东村"


def test_dispute_types_are_the_current_codes(clerk):
    body = api(clerk).get(url("dispute-types")).json()
    assert body["count"] == len(DISPUTE_TYPES_V1)
    assert body["results"][0] == {"code": "marriage_family", "name": "婚姻家庭"}


def test_members_by_role(clerk, mediator, mediator2, world):
    response = api(clerk).get(url("organization-members", world["east"].pk), {"role": "mediator"})
    assert response.status_code == 200
    assert response.json() == [
        {"id": mediator.pk, "username": "mediator", "name": "孙调解", "role": "mediator"},
        {"id": mediator2.pk, "username": "mediator2", "name": "李调解", "role": "mediator"},
    ]
    everyone = api(clerk).get(url("organization-members", world["east"].pk)).json()
    assert {m["role"] for m in everyone} == {"clerk", "director", "mediator"}


def test_members_supervisor_of_the_region_may_look(supervisor, world):
    assert api(supervisor).get(url("organization-members", world["east"].pk)).status_code == 200


def test_members_bad_role_is_400(clerk, world):
    err = error(
        api(clerk).get(url("organization-members", world["east"].pk), {"role": "boss"}),
        400,
        "invalid",
    )
    assert "role" in err["fields"]


def test_members_outsider_404(outsider, world):
    error(api(outsider).get(url("organization-members", world["east"].pk)), 404, "not_found")
    error(api(outsider).get(url("organization-members", 999999)), 404, "not_found")


# --- pagination (the same rule on every list) --------------------------------------------
@pytest.mark.parametrize("name", ["regions", "organizations", "dispute-types", "cases"])
@pytest.mark.parametrize(
    "query, field",
    [
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"page": "²"}, "page"),
        ({"page": "last"}, "page"),
    ],
)
def test_bad_page_or_page_size_is_400(clerk, name, query, field):
    err = error(api(clerk).get(url(name), query), 400, "invalid")
    assert field in err["fields"]


@pytest.mark.parametrize("name", ["regions", "organizations", "dispute-types", "cases"])
def test_page_past_the_end_is_404(clerk, name):
    error(api(clerk).get(url(name), {"page": "999"}), 404, "not_found")


def test_page_size_is_honoured(clerk):
    body = api(clerk).get(url("dispute-types"), {"page_size": "5"}).json()
    assert len(body["results"]) == 5 and body["count"] == 17 and "page_size=5" in body["next"]
