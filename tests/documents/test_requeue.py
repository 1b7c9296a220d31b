"""A document whose render task was lost (a worker killed mid-render, a broker down when the
transaction committed) stays pending; beat's documents.requeue_stale sends it again after
TIAOJIE_DOCUMENT_REQUEUE_MINUTES, and never issues a document twice."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from config.celery import app
from documents import tasks
from documents.models import Document

pytestmark = pytest.mark.django_db


def test_the_task_is_scheduled_every_five_minutes():
    entry = app.conf.beat_schedule["requeue-stale-documents"]
    assert entry["task"] == "documents.requeue_stale"
    assert entry["schedule"] == dt.timedelta(minutes=5)
    assert app.tasks["documents.requeue_stale"].name == tasks.requeue_stale_documents.name


def test_a_lost_render_is_sent_again_after_ten_minutes(register, settings):
    settings.TIAOJIE_DOCUMENT_REQUEUE_MINUTES = 10
    with mock.patch("documents.tasks.issue_document.delay"):  # the worker dies: nothing runs
        case = register()
    lost = list(Document.objects.filter(case=case))
    assert lost and {d.status for d in lost} == {Document.Status.PENDING}
    issued_elsewhere = lost[0]
    assert tasks.requeue_stale_documents.delay().get() == 0  # not yet 10 minutes
    Document.objects.filter(case=case).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    # one of them was only slow: another worker issues it meanwhile
    tasks.issue_document.delay(issued_elsewhere.pk).get()
    issued_elsewhere.refresh_from_db()
    sha, stored = issued_elsewhere.sha256, issued_elsewhere.file.name
    assert tasks.requeue_stale_documents.delay().get() == len(lost) - 1
    statuses = set(Document.objects.filter(case=case).values_list("status", flat=True))
    assert statuses == {Document.Status.ISSUED}
    issued_elsewhere.refresh_from_db()
    assert (issued_elsewhere.sha256, issued_elsewhere.file.name, issued_elsewhere.attempts) == (
        sha,
        stored,
        1,
    )
    assert tasks.requeue_stale_documents.delay().get() == 0
