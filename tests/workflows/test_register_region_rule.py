"""SPEC §12: a committee registers a case only in a region inside its own (its village and the
grids below) — in the service, on the register page and through the API; the demo data and
the test factories keep to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case, CaseCounter, Region
from core.errors import InvalidInput
from tests.api import api, error, url
from tests.factories import id_number, member, party

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_committee_clerk(clerk, world):
    """The clerk of 东村 who is also clerk of 西村: both villages are in their scope, so only
    the rule keeps a 东村 case out of 西村."""
    return member(clerk, "clerk", organization=world["west"])


def _counter(org) -> int:
    row = CaseCounter.objects.filter(organization=org, kind="case").first()
    return row.last if row else 0


class TestService:
    def test_own_village_and_its_grid(self, register, world):
        assert register().region == world["east_village"]
        grid = Region.objects.get(name="东村第一网格")
        assert register(region=grid).region_path == grid.path

    @pytest.mark.parametrize("where", ["南村", "东镇", "青山县", "西村"])
    def test_elsewhere_is_refused(self, register, world, where):
        before = _counter(world["east"])
        with pytest.raises(InvalidInput) as caught:
            register(region=Region.objects.get(name=where))
        assert list(caught.value.fields) == ["region"]
        assert (
            "东村人民调解委员会所在区域" in caught.value.message and where in caught.value.message
        )
        assert not Case.objects.exists()
        assert _counter(world["east"]) == before  # no number used up

    def test_also_for_an_admin(self, register, world, admin_user):
        with pytest.raises(InvalidInput):
            register(actor=admin_user, region=world["west_village"])

    def test_scope_and_role_come_first(self, register, world, outsider, mediator):
        from core.errors import NotFound, PermissionDenied

        with pytest.raises(NotFound):
            register(actor=outsider, region=world["west_village"])
        with pytest.raises(PermissionDenied):
            register(actor=mediator, region=world["west_village"])


def _post(world, region, organization=None) -> dict:
    return {
        "organization": (organization or world["east"]).pk,
        "region": region.pk,
        "dispute_type": world["neighbour"].pk,
        "source": "application",
        "application_kind": "written",
        "summary": "两家因宅基地界址发生争执",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "30",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "王大明",
        "parties-0-id_number": id_number(11),
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "李小红",
        "parties-1-id_number": id_number(12),
    }


class TestPage:
    def test_the_choices_are_the_committees_regions(self, client, clerk, world):
        client.force_login(clerk)
        response = client.get(reverse("cases:register"))
        offered = {r.name for r in response.context["form"].fields["region"].queryset}
        assert offered == {"东村", "东村第一网格"}

    def test_two_committees_offer_both_villages(self, client, two_committee_clerk):
        client.force_login(two_committee_clerk)
        response = client.get(reverse("cases:register"))
        offered = {r.name for r in response.context["form"].fields["region"].queryset}
        assert offered == {"东村", "东村第一网格", "西村"}

    def test_a_village_of_the_other_committee_is_a_form_error(
        self, client, two_committee_clerk, world
    ):
        client.force_login(two_committee_clerk)
        response = client.post(reverse("cases:register"), _post(world, world["west_village"]))
        assert response.status_code == 200
        errors = " ".join(response.context["form"].errors["region"])
        assert "东村人民调解委员会所在区域" in errors
        assert not Case.objects.exists()

    def test_a_region_not_offered_is_a_form_error(self, client, clerk, world):
        client.force_login(clerk)
        response = client.post(reverse("cases:register"), _post(world, world["west_village"]))
        assert response.status_code == 200
        assert response.context["form"].errors["region"]
        assert not Case.objects.exists()

    def test_own_village_registers(self, client, clerk, world):
        client.force_login(clerk)
        response = client.post(reverse("cases:register"), _post(world, world["east_village"]))
        assert response.status_code == 302
        assert Case.objects.get().region == world["east_village"]


class TestApi:
    def _body(self, world, region) -> dict:
        return {
            "organization": world["east"].pk,
            "region": region.pk,
            "dispute_type": "neighbour",
            "source": "application",
            "summary": "排水沟堵塞",
            "parties": [party("applicant", 1), party("respondent", 2)],
        }

    def test_another_committees_village_is_400(self, two_committee_clerk, world):
        response = api(two_committee_clerk).post(
            url("cases"), self._body(world, world["west_village"]), format="json"
        )
        err = error(response, 400, "invalid")
        assert "东村人民调解委员会所在区域" in err["message"]
        assert err["fields"]["region"]
        assert not Case.objects.exists() and _counter(world["east"]) == 0

    def test_the_township_above_is_400(self, clerk, world):
        # 东镇 is not in a 东村 clerk's regions: the serializer refuses it already
        response = api(clerk).post(
            url("cases"), self._body(world, Region.objects.get(name="东镇")), format="json"
        )
        assert error(response, 400, "invalid")["fields"]["region"]

    def test_own_grid_is_201(self, clerk, world):
        grid = Region.objects.get(name="东村第一网格")
        response = api(clerk).post(url("cases"), self._body(world, grid), format="json")
        assert response.status_code == 201, response.content


def test_the_demo_cases_keep_to_the_rule(world):
    from demo import seed

    seed.seed_cases(8)
    cases = Case.objects.select_related("organization__region")
    assert cases.count() == 8 and {c.organization.short_code for c in cases} == {
        "东村调委",
        "西村调委",
    }
    for case in cases:
        assert case.region_path.startswith(case.organization.region.path), case.number
