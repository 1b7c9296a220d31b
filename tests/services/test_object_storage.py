"""The private storage on real S3 (SPEC §16): SeaweedFS on loopback (tests/services/conftest.py),
django-storages' S3 backend as settings build it from TIAOJIE_S3_* (config/env.py, core/s3.py).
A case's documents are issued into the bucket and read back byte-exact through the download
views; a backup taken from one bucket restores into an empty one with every document's stored
hash matching its file; /readyz/ checks the bucket and answers 503 while SeaweedFS is down.

Run with the services suite (.ci/run, `make test-services`), e.g.
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_nodes .venv/bin/pytest -q -m services
tests/services/test_object_storage.py`."""

from __future__ import annotations

import hashlib
import tarfile
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from core.s3 import PrivateS3Storage
from core.storage import PROBES, private_storage
from documents.models import Document
from documents.services import document_issue
from ops.backup import create_backup, restore_backup, verify_documents
from tests.services.seaweed import use_bucket

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def issue_all(case_ids) -> list[Document]:
    """Issue every pending document of the cases with the issuing service itself (what the
    Celery task runs), in this process and so on this process's storage."""
    for doc in Document.objects.filter(case_id__in=case_ids, status="pending").order_by("pk"):
        document_issue(doc.pk)
    docs = list(Document.objects.filter(case_id__in=case_ids).order_by("pk"))
    assert docs and {d.status for d in docs} == {"issued"}, {d.pk: d.error for d in docs}
    return docs


@pytest.fixture
def issued(s3_private, register, walk, django_capture_on_commit_callbacks):
    """Two cases' documents issued into the bucket (the broker left out: not what is tested)."""
    with django_capture_on_commit_callbacks(execute=False):
        first = walk(register(), "closure")
        second = register(summary="土地边界纠纷")
    return issue_all([first.pk, second.pk])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_documents_are_stored_in_the_bucket_and_downloaded_byte_exact(
    issued, s3_private, seaweedfs, settings, client, clerk
):
    store = private_storage()
    assert isinstance(store, PrivateS3Storage) and store.bucket_name == s3_private
    assert all(doc.file.storage is store for doc in issued)
    objects = seaweedfs.objects(s3_private)
    assert set(objects) == {d.file.name for d in issued}  # every file, nothing else
    for doc in issued:
        assert doc.file.name.startswith("documents/") and doc.size == len(objects[doc.file.name])
        assert sha256(objects[doc.file.name]) == doc.sha256
    # Nothing was written to the local disk.
    local = Path(settings.MEDIA_ROOT).parent
    assert not [p for p in local.rglob("*.pdf")]
    with pytest.raises(ValueError, match="no address"):
        store.url(issued[0].file.name)

    client.force_login(clerk)
    for doc in issued:
        response = client.get(reverse("cases:document-pdf", args=[doc.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        body = b"".join(response.streaming_content)
        assert body == objects[doc.file.name] and body.startswith(b"%PDF")
        api = client.get(reverse("api:document-pdf", args=[doc.pk]))
        assert api.status_code == 200 and api["ETag"] == f'"{doc.sha256}"'
        assert b"".join(api.streaming_content) == body


def test_backup_from_one_bucket_restores_into_an_empty_one(
    issued, s3_private, seaweedfs, settings, monkeypatch, tmp_path, capsys
):
    before = {d.pk: (d.file.name, d.sha256) for d in issued}
    original = seaweedfs.objects(s3_private)
    archive = tmp_path / "backup.tar.gz"
    # A readiness probe in the bucket is not backed up.
    private_storage().save(f"{PROBES}readyz-left.txt", ContentFile(b"probe"))
    result = create_backup(archive)
    assert result.manifest.documents == len(issued)
    assert set(result.manifest.files) == {f"private/{name}" for name, _ in before.values()}
    with tarfile.open(archive) as tar:
        for name, sha in before.values():
            assert sha256(tar.extractfile(f"private/{name}").read()) == sha

    # A new deployment: an empty database and an empty bucket.
    fresh = use_bucket(seaweedfs, monkeypatch)
    call_command("flush", interactive=False, verbosity=0)
    assert Case.objects.count() == 0 and seaweedfs.objects(fresh) == {}

    restored = restore_backup(archive)
    assert restored.files_written == len(issued) and restored.documents_checked == len(issued)
    assert verify_documents() == (len(issued), [])
    after = seaweedfs.objects(fresh)
    assert after == {name: body for name, body in original.items()}
    for doc in Document.objects.exclude(file=""):
        assert before[doc.pk] == (doc.file.name, doc.sha256)
        with doc.file.open("rb") as fh:  # through the field, as the views read it
            assert sha256(fh.read()) == doc.sha256

    # A document whose object changed in the bucket is named by the check.
    doc = Document.objects.exclude(file="").first()
    seaweedfs.client().put_object(Bucket=fresh, Key=doc.file.name, Body=b"%PDF changed")
    checked, problems = verify_documents()
    assert checked == len(issued) and problems == [
        f"document {doc.pk}: {doc.file.name} does not match its SHA-256"
    ]
    # And the command restores it over the changed object (--force: the database has cases).
    call_command("restore", "--force", str(archive))
    assert f"{len(issued)} documents match their SHA-256" in capsys.readouterr().out
    assert verify_documents() == (len(issued), [])


def test_readyz_checks_the_bucket_and_is_503_while_seaweedfs_is_down(
    own_seaweedfs, monkeypatch, client
):
    bucket = use_bucket(own_seaweedfs, monkeypatch)
    answer = client.get(reverse("readyz"))
    assert answer.status_code == 200, answer.json()
    assert answer.json()["checks"]["storage"]["ok"] is True
    assert own_seaweedfs.objects(bucket) == {}  # the probe was deleted again

    own_seaweedfs.stop()
    start = time.monotonic()
    answer = client.get(reverse("readyz"))
    took = time.monotonic() - start
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "fail" and body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    storage = body["checks"]["storage"]
    assert storage == {"ok": False, "error": "EndpointConnectionError", "ms": storage["ms"]}
    assert took < 10, took  # short timeouts and few retries (core/s3.py)
