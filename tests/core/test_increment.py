"""core.upsert.increment: the case and notice counters' one statement (gap-free numbers)."""

from __future__ import annotations

import pytest
from django.db import transaction

from cases.models import CaseCounter
from core.upsert import increment

pytestmark = pytest.mark.django_db


def test_a_missing_row_starts_at_one_and_each_call_adds_one(world):
    east, west = world["east"], world["west"]
    assert [increment(CaseCounter, organization=east, year=2031, kind="case") for _ in "abc"] == [
        1,
        2,
        3,
    ]
    assert increment(CaseCounter, organization=west, year=2031, kind="case") == 1
    assert increment(CaseCounter, organization=east, year=2032, kind="case") == 1
    assert CaseCounter.objects.get(organization=east, year=2031, kind="case").last == 3


def test_a_rollback_takes_the_number_back(world):
    east = world["east"]
    assert increment(CaseCounter, organization=east, year=2031, kind="lead") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert increment(CaseCounter, organization=east, year=2031, kind="lead") == 2
        raise RuntimeError("the registration failed")
    assert increment(CaseCounter, organization=east, year=2031, kind="lead") == 2
