"""Visibility and masking for every role (SPEC §1), including the outsider from 白水县."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.scope import sees_personal_data
from cases.validators import mask
from tests.factories import party
from workflows.services import case_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counties(world, register, outsider):
    ours = register()
    theirs = case_register(
        actor=outsider,
        organization=world["west"],
        region=world["west_village"],
        dispute_type=world["neighbour"],
        source="application",
        summary="西村的纠纷",
        parties=[party("applicant", 7), party("respondent", 8)],
    )
    return ours, theirs


@pytest.mark.parametrize(
    ("username", "sees_ours", "sees_theirs", "personal"),
    [
        ("clerk", True, False, True),
        ("director", True, False, True),
        ("mediator", True, False, True),
        ("supervisor", True, False, False),
        ("supervisor_city", True, True, False),
        ("clerk_b", False, True, True),
        ("mediator_b", False, True, True),
        ("admin", True, True, True),
    ],
)
def test_scope_and_masking(two_counties, username, sees_ours, sees_theirs, personal):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    ours, theirs = two_counties
    visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    assert (ours.pk in visible, theirs.pk in visible) == (sees_ours, sees_theirs)
    case = ours if sees_ours else theirs
    assert sees_personal_data(user, case) is personal


def test_anonymous_sees_nothing(two_counties):
    from django.contrib.auth.models import AnonymousUser

    assert not Case.objects.visible_to(AnonymousUser()).exists()


def test_user_without_membership_sees_nothing(two_counties):
    from tests.factories import UserFactory

    assert not Case.objects.visible_to(UserFactory()).exists()


def test_mask_keeps_last_four():
    assert mask("110105197005010018") == "**************0018"
    assert mask("13700000001") == "*******0001"
    assert mask("") == ""
    assert mask("123") == "***"
