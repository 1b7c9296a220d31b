"""On PostgreSQL (row locks): concurrent reports get distinct gap-free numbers per committee and
year, and two actors racing on one lead — exactly one wins, the other gets Conflict, one event;
the leads' roll-up (screening/rollup.py, all of them on one row) stays exact."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import Conflict
from screening import rollup as lead_rollup
from screening.models import Lead, LeadEvent
from workflows import services as s

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
THREADS, PER_THREAD = 6, 4


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("the concurrency suite needs DATABASE_URL pointing at PostgreSQL")


def _in_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_concurrent_reports_are_gap_free(report):
    def report_many(i):
        return [report(description=f"并发{i}-{k}").seq for k in range(PER_THREAD)]

    results, errors = _in_threads(THREADS, report_many)
    assert errors == []
    seqs = sorted(seq for batch in results for seq in batch)
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    assert Lead.objects.count() == THREADS * PER_THREAD
    assert lead_rollup.differences(lead_rollup.computed(), lead_rollup.stored()) == []


def test_racing_transitions_one_wins(report, clerk, director):
    soon = timezone.localdate() + dt.timedelta(days=5)
    for _ in range(3):
        lead = report()
        copies = [Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)]
        actions = [
            lambda c: s.lead_transition(c, "close", actor=clerk, version=0, note="核实无纠纷"),
            lambda c: s.lead_transition(
                c, "watch", actor=director, version=0, note="关注", next_check_on=soon
            ),
        ]
        results, errors = _in_threads(2, lambda i, a=actions, c=copies: a[i](c[i]).status)
        assert len(results) == 1, (results, errors)
        assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
        assert LeadEvent.objects.filter(lead=lead).count() == 2  # report + the winner
        assert Lead.objects.get(pk=lead.pk).status == results[0]
    assert lead_rollup.differences(lead_rollup.computed(), lead_rollup.stored()) == []
