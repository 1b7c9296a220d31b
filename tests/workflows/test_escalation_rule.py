"""SPEC §12: a case is escalated (上报) only to a committee whose region is strictly above the
case's region (and above its present committee) — in the service, on the page, and nowhere
around them through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import scope
from cases.models import Case, Organization, Region
from core.errors import InvalidInput, NotFound
from tests.api import api, error, url
from tests.factories import OrganizationFactory, township_committee
from workflows import services as s

pytestmark = pytest.mark.django_db


@pytest.fixture
def committees(world):
    """东镇 (township over 东村), 青山县 (county), 南村 (東村's neighbour in 东镇), and 西村
    (白水县) from the demo data."""
    township, township_clerk = township_committee()
    county = OrganizationFactory(
        name="青山县人民调解委员会", short_code="青山县调委", region=world["qingshan"]
    )
    neighbour = OrganizationFactory(
        name="南村人民调解委员会", short_code="南村调委", region=Region.objects.get(name="南村")
    )
    return {
        "township": township,
        "township_clerk": township_clerk,
        "county": county,
        "neighbour": neighbour,
        "west": world["west"],
    }


def _targets(case) -> set[str]:
    case = Case.objects.select_related("organization__region").get(pk=case.pk)
    return set(
        Organization.objects.filter(scope.escalation_targets_q(case)).values_list(
            "short_code", flat=True
        )
    )


class TestService:
    def test_the_targets_are_the_committees_above(self, register, committees):
        assert _targets(register()) == {"东镇调委", "青山县调委"}

    def test_a_grid_case_has_the_same_targets(self, register, committees):
        grid = Region.objects.get(name="东村第一网格")
        assert _targets(register(region=grid)) == {"东镇调委", "青山县调委"}

    @pytest.mark.parametrize("target", ["township", "county"])
    def test_escalate_up(self, register, clerk, committees, target):
        case = register()
        s.case_escalate(case, actor=clerk, organization=committees[target], reason="涉及两村")
        case.refresh_from_db()
        assert case.organization == committees[target]
        assert case.events.filter(name="escalate").count() == 1

    @pytest.mark.parametrize("target", ["west", "neighbour"])
    def test_escalate_sideways_is_refused(self, register, clerk, committees, target):
        case = register()
        version = case.version
        with pytest.raises(InvalidInput) as caught:
            s.case_escalate(case, actor=clerk, organization=committees[target], reason="涉及两县")
        assert "上级调委会" in caught.value.message
        assert committees[target].name in caught.value.message
        assert list(caught.value.fields) == ["organization"]
        case.refresh_from_db()
        assert case.organization.short_code == "东村调委" and case.version == version
        assert not case.events.filter(name="escalate").exists()

    def test_never_back_down(self, register, clerk, committees):
        """The township committee cannot pass the case on to a village committee."""
        case = register()
        s.case_escalate(case, actor=clerk, organization=committees["township"], reason="涉及两村")
        township_clerk = committees["township_clerk"]
        assert _targets(case) == {"青山县调委"}
        with pytest.raises(InvalidInput):
            s.case_escalate(
                case, actor=township_clerk, organization=committees["neighbour"], reason="退回"
            )
        s.case_escalate(
            case, actor=township_clerk, organization=committees["county"], reason="重大"
        )
        case.refresh_from_db()
        assert case.organization == committees["county"]

    def test_scope_is_checked_before_the_target(self, register, outsider, committees):
        case = register()
        with pytest.raises(NotFound):
            s.case_escalate(case, actor=outsider, organization=committees["west"], reason="x")


class TestPage:
    def test_the_form_offers_only_the_committees_above(self, client, register, clerk, committees):
        case = register()
        client.force_login(clerk)
        response = client.get(reverse("cases:act", args=[case.pk, "escalate"]))
        assert response.status_code == 200
        offered = set(response.context["form"].fields["organization"].queryset)
        assert offered == {committees["township"], committees["county"]}
        body = response.content.decode()
        assert "东镇人民调解委员会" in body and "西村人民调解委员会" not in body

    def test_posting_another_county_village_is_a_form_error(
        self, client, register, clerk, committees
    ):
        case = register()
        client.force_login(clerk)
        response = client.post(
            reverse("cases:act", args=[case.pk, "escalate"]),
            {"version": case.version, "organization": committees["west"].pk, "reason": "涉及两县"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["organization"]
        case.refresh_from_db()
        assert case.organization.short_code == "东村调委"
        assert not case.events.filter(name="escalate").exists()

    def test_the_service_message_stands_under_the_field(
        self, client, register, clerk, committees, monkeypatch
    ):
        """Were the choices ever wider than the rule, the service's refusal is the form error."""
        from web import forms

        init = forms.EscalateForm.__init__

        def wide(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.fields["organization"].queryset = Organization.objects.all()

        monkeypatch.setattr(forms.EscalateForm, "__init__", wide)
        case = register()
        client.force_login(clerk)
        response = client.post(
            reverse("cases:act", args=[case.pk, "escalate"]),
            {"version": case.version, "organization": committees["west"].pk, "reason": "涉及两县"},
        )
        assert response.status_code == 200
        assert "上级调委会" in " ".join(response.context["form"].errors["organization"])
        case.refresh_from_db()
        assert case.organization.short_code == "东村调委"

    def test_posting_the_township_escalates(self, client, register, clerk, committees):
        case = register()
        client.force_login(clerk)
        response = client.post(
            reverse("cases:act", args=[case.pk, "escalate"]),
            {
                "version": case.version,
                "organization": committees["township"].pk,
                "reason": "涉及两村",
            },
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.organization == committees["township"]

    def test_without_a_committee_above_the_form_says_so(self, client, register, clerk, world):
        case = register()
        client.force_login(clerk)
        response = client.get(reverse("cases:act", args=[case.pk, "escalate"]))
        assert not response.context["form"].fields["organization"].queryset.exists()
        assert "没有上级调委会" in response.content.decode()


class TestApi:
    def test_the_api_offers_no_way_around_the_rule(self, register, clerk, committees):
        """Escalation is not an API transition (SPEC §9): a client cannot escalate at all."""
        case = register()
        response = api(clerk).post(
            url("case-transition", case.pk, "escalate"),
            {"organization": committees["west"].pk, "reason": "涉及两县"},
            format="json",
        )
        error(response, 404, "not_found")
        case.refresh_from_db()
        assert case.organization.short_code == "东村调委"
