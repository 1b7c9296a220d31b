"""The roll-up tests on PostgreSQL (`-m services`, DATABASE_URL=postgres://…): there the live
figures take the GROUPING SETS query and percentile_cont, so this is the other half of
"roll-up == live"."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.supervision import test_rollup as base

pytestmark = [pytest.mark.services]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("the PostgreSQL roll-up tests need DATABASE_URL pointing at PostgreSQL")


# collected here again, on PostgreSQL; the hand-counted cohort last: its module-wide cases are
# registered in March, and the random walks' clock starts in January
test_random_changes_keep_rollup_equal_to_live = base.test_random_changes_keep_rollup_equal_to_live
test_stats_rebuild_verify_names_the_difference = base.test_stats_rebuild_verify_names_the_difference
test_hand_counted_cohort_same_from_rollup = base.test_hand_counted_cohort_same_from_rollup


@pytest.mark.django_db
def test_the_database_rebuild_gives_the_python_table(cohort):
    """The hand-counted cohort (agreements, visits, a confirmation, late and overdue cases, two
    counties): the rebuild PostgreSQL does (rollups/rebuild_sql.py) writes exactly the rows the
    Python rules compute."""
    from rollups import rollup
    from rollups.models import CaseRollup, CaseTally, DayHistogram, RegionDays, RegionRollup

    expected = rollup.computed()
    assert expected.rows and expected.days and expected.region_rows and expected.tallies
    CaseRollup.objects.update(received=99)  # what the rebuild must replace
    rows = rollup.rebuild()  # PostgreSQL: the database's way
    assert rows == len(expected.rows)
    assert rollup.differences(expected, rollup.stored()) == []
    # nothing left over: one region row per key (shard 0), no zero histogram rows
    assert RegionRollup.objects.exclude(shard=0).count() == 0
    assert not DayHistogram.objects.filter(n=0).exists()
    assert not RegionDays.objects.filter(n=0).exists()
    assert CaseTally.objects.count() == len(expected.tallies)
