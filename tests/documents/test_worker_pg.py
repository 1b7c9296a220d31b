"""A real Celery worker (subprocess) against Redis and PostgreSQL issues a case's documents end
to end (SPEC §5: rendering runs after commit in a background worker). Run by .ci/run."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.log import request_id_token, reset_request_id
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
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
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
    proc.log_path = tmp_path / "worker.log"  # type: ignore[attr-defined]
    yield proc
    proc.terminate()
    proc.wait(30)
    log.close()
    print((tmp_path / "worker.log").read_text()[-3000:])


def test_worker_issues_every_document(worker, register, walk):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    # The walk queues the documents as a request would: its id goes with each task (config/celery.py).
    token = request_id_token("walk-7")
    try:
        case = walk(register(), "archived")
    finally:
        reset_request_id(token)
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
    # The worker logs as the web nodes do, one JSON object a line, with the id of the request
    # that queued each task.
    lines = [
        json.loads(line)
        for line in worker.log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    issued = [line for line in lines if line["logger"] == "documents.tasks"]
    assert len(issued) == len(docs), lines[-5:]
    assert {line["request_id"] for line in issued} == {"walk-7"}
    assert all(line["message"].endswith(": issued") for line in issued)
