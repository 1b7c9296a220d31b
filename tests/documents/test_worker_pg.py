"""A real Celery worker (subprocess) against Redis and PostgreSQL issues a case's documents end
to end (SPEC §5: rendering runs after commit in a background worker). Run by .ci/run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from documents.models import Document

pytestmark = [pytest.mark.services, pytest.mark.real_pdf, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.fail("needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis): see .ci/run")
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - lives as long as the worker
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    proc.wait(30)
    log.close()
    print((tmp_path / "worker.log").read_text()[-3000:])


def test_worker_issues_every_document(worker, register, walk):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    case = walk(register(), "archived")
    expected = {"APP", "REG", "NOT", "INV", "MED", "AGR", "CLS", "FUV", "DOS"}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        docs = list(Document.objects.filter(case=case))
        if docs and all(d.status in ("issued", "failed") for d in docs):
            break
        assert worker.poll() is None, "the worker died"
        time.sleep(1)
    docs = {d.code: d for d in Document.objects.filter(case=case)}
    assert set(docs) == expected
    assert {d.status for d in docs.values()} == {"issued"}, {c: d.error for c, d in docs.items()}
    for doc in docs.values():
        data = Path(doc.file.path).read_bytes()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == doc.sha256
    assert docs["DOS"].pages > docs["AGR"].pages
