"""SPEC §12: the Django admin honours scope. A staff user who is not a system administrator
sees — in lists, change and delete pages, list filters and the choices of related fields —
only what their memberships allow; a save that would land outside it is refused."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import Membership, Organization, Party, Region
from core.admin import ScopedAdmin
from documents.models import Document
from tests.factories import party
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db

PERMS = [
    "view_case",
    "view_party",
    "view_region",
    "view_organization",
    "change_organization",
    "view_membership",
    "add_membership",
    "change_membership",
    "delete_membership",
    "view_document",
    "view_caseevent",
    "view_membershipevent",
    "view_accessrecord",
]


def _staff(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=PERMS))
    return user


@pytest.fixture
def cases(register, outsider, world):
    ours = register()
    theirs = register(
        actor=outsider,
        organization=world["west"],
        region=world["west_village"],
        parties=[party("applicant", 7), party("respondent", 8)],
    )
    return ours, theirs


@pytest.fixture
def staff_clerk(client, clerk):
    client.force_login(_staff(clerk))
    return client


def _changelist(client, model: str, **query):
    response = client.get(reverse(f"admin:{model}_changelist"), query)
    assert response.status_code == 200, response.content[:300]
    return list(response.context["cl"].result_list)


class TestStaffClerk:
    def test_case_list_shows_only_theirs(self, staff_clerk, cases):
        ours, theirs = cases
        assert _changelist(staff_clerk, "cases_case") == [ours]

    def test_another_countys_case_does_not_exist(self, staff_clerk, cases):
        _ours, theirs = cases
        for view in ("change", "history"):
            response = staff_clerk.get(reverse(f"admin:cases_case_{view}", args=[theirs.pk]))
            # Django admin's answer for an object outside the queryset: back to the index
            assert response.status_code == 302, view
            assert response["Location"] == reverse("admin:index")
        # cases are read-only for everyone: deleting is refused before any lookup
        assert (
            staff_clerk.get(reverse("admin:cases_case_delete", args=[theirs.pk])).status_code == 403
        )
        assert (
            staff_clerk.get(reverse("admin:cases_case_change", args=[cases[0].pk])).status_code
            == 200
        )

    def test_search_does_not_find_theirs(self, staff_clerk, cases):
        _ours, theirs = cases
        assert _changelist(staff_clerk, "cases_case", q=theirs.number) == []

    def test_records_documents_and_events(self, staff_clerk, cases):
        ours, theirs = cases
        assert {p.case_id for p in _changelist(staff_clerk, "cases_party")} == {ours.pk}
        assert {d.case_id for d in _changelist(staff_clerk, "documents_document")} == {ours.pk}
        assert {e.case_id for e in _changelist(staff_clerk, "workflows_caseevent")} == {ours.pk}
        theirs_party = Party.objects.filter(case=theirs).first()
        response = staff_clerk.get(reverse("admin:cases_party_change", args=[theirs_party.pk]))
        assert response.status_code == 302
        doc = Document.objects.filter(case=theirs).first()
        response = staff_clerk.get(reverse("admin:documents_document_change", args=[doc.pk]))
        assert response.status_code == 302
        event = CaseEvent.objects.filter(case=theirs).first()
        response = staff_clerk.get(reverse("admin:workflows_caseevent_change", args=[event.pk]))
        assert response.status_code == 302

    def test_organizations_regions_memberships(self, staff_clerk, world):
        assert _changelist(staff_clerk, "cases_organization") == [world["east"]]
        assert {r.name for r in _changelist(staff_clerk, "cases_region")} == {
            "东村",
            "东村第一网格",
        }
        members = _changelist(staff_clerk, "cases_membership")
        assert members and {m.organization for m in members} == {world["east"]}
        other = Membership.objects.get(user__username="clerk_b")
        for view in ("change", "delete"):
            response = staff_clerk.get(reverse(f"admin:cases_membership_{view}", args=[other.pk]))
            assert response.status_code == 302, view
        response = staff_clerk.post(
            reverse("admin:cases_membership_delete", args=[other.pk]), {"post": "yes"}
        )
        assert response.status_code == 302 and Membership.objects.filter(pk=other.pk).exists()
        # nor through the bulk action
        response = staff_clerk.post(
            reverse("admin:cases_membership_changelist"),
            {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
        )
        assert Membership.objects.filter(pk=other.pk).exists()

    def test_list_filters_name_only_their_committee(self, staff_clerk, cases):
        response = staff_clerk.get(reverse("admin:cases_case_changelist"))
        body = response.content.decode()
        assert "东村人民调解委员会" in body and "西村人民调解委员会" not in body

    def test_related_choices_are_limited(self, staff_clerk, world):
        response = staff_clerk.get(reverse("admin:cases_membership_add"))
        form = response.context["adminform"].form
        assert set(form.fields["organization"].queryset) == {world["east"]}
        assert {r.name for r in form.fields["region"].queryset} == {"东村", "东村第一网格"}
        response = staff_clerk.get(
            reverse("admin:cases_organization_change", args=[world["east"].pk])
        )
        form = response.context["adminform"].form
        assert {r.name for r in form.fields["region"].queryset} == {"东村", "东村第一网格"}

    def test_a_membership_outside_the_scope_is_refused(self, staff_clerk, clerk, world):
        before = Membership.objects.count()
        # a committee they do not belong to is not among the choices: a form error
        response = staff_clerk.post(
            reverse("admin:cases_membership_add"),
            {"user": clerk.pk, "role": "clerk", "organization": world["west"].pk},
        )
        assert response.status_code == 200 and response.context["adminform"].form.errors
        # an admin membership fits no committee: refused, nothing saved
        response = staff_clerk.post(
            reverse("admin:cases_membership_add"), {"user": clerk.pk, "role": "admin"}
        )
        assert response.status_code == 403
        assert Membership.objects.count() == before
        assert not Membership.objects.filter(user=clerk, role="admin").exists()

    def test_a_membership_inside_the_scope_is_saved(self, staff_clerk, world, mediator2):
        response = staff_clerk.post(
            reverse("admin:cases_membership_add"),
            {"user": mediator2.pk, "role": "clerk", "organization": world["east"].pk},
        )
        assert response.status_code == 302
        assert Membership.objects.filter(user=mediator2, role="clerk").exists()


class TestOthers:
    def test_a_supervisor_sees_the_subtree(self, client, supervisor, cases, world):
        client.force_login(_staff(supervisor))
        ours, _theirs = cases
        assert _changelist(client, "cases_case") == [ours]
        assert _changelist(client, "cases_organization") == [world["east"]]
        regions = {r.name for r in _changelist(client, "cases_region")}
        assert "青山县" in regions and "东村" in regions and "西村" not in regions
        assert "clerk_b" not in {m.user.username for m in _changelist(client, "cases_membership")}

    def test_a_superuser_sees_everything(self, client, admin_user, cases):
        client.force_login(admin_user)
        assert set(_changelist(client, "cases_case")) == set(cases)
        assert len(_changelist(client, "cases_organization")) == Organization.objects.count()
        assert len(_changelist(client, "cases_region")) == Region.objects.count()
        body = client.get(reverse("admin:cases_case_changelist")).content.decode()
        assert "西村人民调解委员会" in body

    def test_a_staff_user_without_memberships_sees_nothing(self, client, cases):
        from tests.factories import UserFactory

        client.force_login(_staff(UserFactory()))
        assert _changelist(client, "cases_case") == []
        assert _changelist(client, "cases_region") == []
        assert _changelist(client, "cases_membership") == []


def test_every_admin_of_ours_is_scoped():
    """A new ModelAdmin in our apps cannot forget the scope (admin-only ones say so)."""
    admin_only = {"RankingWeightsAdmin"}  # has_*_permission: system administrators only
    ours = {"cases", "workflows", "documents", "supervision", "registers"}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ours and type(model_admin).__name__ not in admin_only:
            assert isinstance(model_admin, ScopedAdmin), model
            assert type(model_admin).scope_rule is not None, model
