"""SPEC §12: membership changes are audited events — every create, change and delete, from
the admin (with who did it), a request elsewhere, a command or the seed; exactly one event
each; append-only; read-only in the admin and scoped there like the memberships."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Membership, Region
from supervision.middleware import ActingMiddleware
from supervision.models import MembershipEvent
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def _new_events(since: int):
    return list(MembershipEvent.objects.filter(pk__gt=since).order_by("id"))


def _last() -> int:
    last = MembershipEvent.objects.order_by("-id").first()
    return last.pk if last else 0


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


class TestAdmin:
    def test_create_change_delete_each_one_event_with_the_actor(
        self, admin_client, admin_user, world
    ):
        user = UserFactory(username="newbie")
        start = _last()
        response = admin_client.post(
            reverse("admin:cases_membership_add"),
            {"user": user.pk, "role": "clerk", "organization": world["east"].pk},
            REMOTE_ADDR="10.1.2.3",
        )
        assert response.status_code == 302
        m = Membership.objects.get(user=user)
        [created] = _new_events(start)
        assert created.action == "created" and created.source == "admin"
        assert (created.actor_ref, created.actor_username) == (admin_user.pk, "admin")
        assert created.ip == "10.1.2.3"
        assert (created.user_ref, created.username, created.role) == (user.pk, "newbie", "clerk")
        assert created.organization_name == "东村人民调解委员会"
        assert created.before == {}
        assert created.after["organization"] == world["east"].pk
        assert created.at is not None

        start = _last()
        response = admin_client.post(
            reverse("admin:cases_membership_change", args=[m.pk]),
            {"user": user.pk, "role": "director", "organization": world["east"].pk},
        )
        assert response.status_code == 302
        [changed] = _new_events(start)
        assert changed.action == "changed" and changed.actor_username == "admin"
        assert (changed.before["role"], changed.after["role"]) == ("clerk", "director")

        start = _last()
        response = admin_client.post(
            reverse("admin:cases_membership_delete", args=[m.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        [deleted] = _new_events(start)
        assert deleted.action == "deleted" and deleted.actor_username == "admin"
        assert deleted.before["role"] == "director" and deleted.after == {}
        assert deleted.username == "newbie" and deleted.organization_ref == world["east"].pk

    def test_bulk_delete_records_each(self, admin_client, world):
        a, b = UserFactory(), UserFactory()
        ms = [
            Membership.objects.create(user=u, role="mediator", organization=world["east"])
            for u in (a, b)
        ]
        start = _last()
        admin_client.post(
            reverse("admin:cases_membership_changelist"),
            {"action": "delete_selected", "_selected_action": [m.pk for m in ms], "post": "yes"},
        )
        events = _new_events(start)
        assert [e.action for e in events] == ["deleted", "deleted"]
        assert {e.actor_username for e in events} == {"admin"}

    def test_saving_without_a_change_records_nothing(self, admin_client, clerk, world):
        m = Membership.objects.get(user=clerk)
        start = _last()
        response = admin_client.post(
            reverse("admin:cases_membership_change", args=[m.pk]),
            {"user": clerk.pk, "role": "clerk", "organization": world["east"].pk},
        )
        assert response.status_code == 302
        assert _new_events(start) == []

    def test_read_only_for_everyone(self, admin_client, world):
        event = MembershipEvent.objects.first()
        assert (
            admin_client.get(reverse("admin:supervision_membershipevent_changelist")).status_code
            == 200
        )
        assert admin_client.get(reverse("admin:supervision_membershipevent_add")).status_code == 403
        url = reverse("admin:supervision_membershipevent_delete", args=[event.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
        response = admin_client.get(
            reverse("admin:supervision_membershipevent_change", args=[event.pk])
        )
        assert response.status_code == 200 and b'name="_save"' not in response.content
        assert MembershipEvent.objects.filter(pk=event.pk).exists()


class TestElsewhere:
    def test_the_seed_and_commands_record_the_system(self, world):
        """The world fixture ran the seed: each of its memberships has its created event."""
        assert (
            MembershipEvent.objects.filter(action="created").count() == Membership.objects.count()
        )
        assert set(MembershipEvent.objects.values_list("source", flat=True)) == {"system"}
        assert set(MembershipEvent.objects.values_list("actor_ref", flat=True)) == {None}
        supervisor = MembershipEvent.objects.get(username="supervisor")
        assert supervisor.region_name == "青山市青山县" and supervisor.scope_path

    def test_seeding_again_records_nothing(self, world):
        from demo import seed

        start = _last()
        seed.seed_reference()
        assert _new_events(start) == []

    def test_a_request_names_its_user(self, world, director):
        """Any request (not only the admin) tells the signal who acted."""
        user = UserFactory(username="helper")

        def view(request):
            Membership.objects.create(user=user, role="mediator", organization=world["east"])
            return HttpResponse("ok")

        request = RequestFactory().post("/api/v1/anything/", REMOTE_ADDR="10.0.0.9")
        request.user = director
        start = _last()
        ActingMiddleware(view)(request)
        [event] = _new_events(start)
        assert (event.actor_username, event.source, event.ip) == ("director", "api", "10.0.0.9")

    def test_deleting_a_user_records_their_memberships(self, world):
        user = member(UserFactory(username="leaving"), "mediator", organization=world["east"])
        start = _last()
        user.delete()
        [event] = _new_events(start)
        assert (event.action, event.username, event.role) == ("deleted", "leaving", "mediator")

    def test_deleting_a_committee_records_its_memberships(self, world):
        from tests.factories import OrganizationFactory

        org = OrganizationFactory(region=Region.objects.get(name="南村"))
        member(UserFactory(), "clerk", organization=org)
        start = _last()
        org.delete()
        [event] = _new_events(start)
        assert event.action == "deleted" and event.organization_name == org.name


class TestAppendOnly:
    def test_no_update_or_delete(self, world):
        event = MembershipEvent.objects.first()
        with pytest.raises(ValueError):
            event.save()
        with pytest.raises(ValueError):
            event.delete()
        with pytest.raises(ValueError):
            MembershipEvent.objects.filter(pk=event.pk).update(role="admin")
        with pytest.raises(ValueError):
            MembershipEvent.objects.all().delete()
        assert MembershipEvent.objects.filter(pk=event.pk, role=event.role).exists()


class TestScope:
    def _staff(self, user):
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(codename="view_membershipevent"))
        return user

    def _seen(self, client, user) -> set[str]:
        client.force_login(self._staff(user))
        response = client.get(reverse("admin:supervision_membershipevent_changelist"))
        assert response.status_code == 200
        return {e.username for e in response.context["cl"].result_list}

    def test_a_committee_member_sees_their_committee(self, client, director, world):
        assert self._seen(client, director) == {"clerk", "director", "mediator", "mediator2"}

    def test_a_supervisor_sees_the_subtree(self, client, supervisor, world):
        seen = self._seen(client, supervisor)
        assert {"clerk", "supervisor"} <= seen
        assert not seen & {"clerk_b", "mediator_b", "supervisor_city"}

    def test_the_other_county_sees_none_of_ours(self, client, outsider, world):
        assert self._seen(client, outsider) == {"clerk_b", "mediator_b"}
