"""Issued PDFs live in the private storage (SPEC §12, core/storage.py): no URL, a name without the
verify token, served only by the scoped download views, moved there by a migration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from documents.models import Document


@pytest.fixture
def issued(register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    return case.documents.get()


def test_an_issued_pdf_is_private_and_named_without_its_token(issued, settings):
    doc = issued
    assert doc.status == "issued"
    year = timezone.localdate().year
    assert doc.file.name == f"documents/{year}/{doc.pk}-APP.pdf"
    assert doc.token not in doc.file.name and doc.file.name.isascii()
    private = storages["private"]
    assert doc.file.storage is private
    assert private.exists(doc.file.name) and not default_storage.exists(doc.file.name)
    with pytest.raises(ValueError, match="not accessible via a URL"):
        _ = doc.file.url
    # Beside MEDIA_ROOT, never inside what a web server may serve as /media/.
    root = Path(private.location)
    assert root == Path(settings.MEDIA_ROOT).parent / "private"
    assert Path(settings.MEDIA_ROOT) not in root.parents


def test_the_private_folder_is_a_setting(issued, settings, tmp_path):
    settings.TIAOJIE_PRIVATE_ROOT = str(tmp_path / "elsewhere")
    assert storages["private"].location == str(tmp_path / "elsewhere")


def test_only_the_scoped_views_serve_it(issued, client, clerk, supervisor, outsider):
    doc = issued
    stored = doc.file.open("rb").read()
    for path in (
        reverse("cases:document-pdf", args=[doc.pk]),
        reverse("api:document-pdf", args=[doc.pk]),
    ):
        client.force_login(clerk)
        response = client.get(path)
        assert response.status_code == 200 and b"".join(response.streaming_content) == stored
        client.force_login(outsider)
        assert client.get(path).status_code == 404
        client.force_login(supervisor)
        assert client.get(path).status_code == 403
        client.logout()
    assert client.get(f"/media/{doc.file.name}").status_code == 404


def test_a_file_left_by_a_failed_attempt_is_replaced(issued, register, monkeypatch):
    """A retry writes the same name; a file left there by an attempt that failed after writing
    it belongs to no issued row and is replaced, not kept beside with a random suffix."""
    from documents.services import document_issue

    doc = register().documents.get()  # pending: its render never ran
    name = f"documents/{timezone.localdate().year}/{doc.pk}-{doc.code}.pdf"
    storages["private"].save(name, ContentFile(b"left over"))
    doc = document_issue(doc.pk)
    assert doc.status == "issued" and doc.file.name == name
    assert doc.file.open("rb").read() != b"left over"


def test_the_admin_shows_the_file_by_name(issued, client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:documents_document_change", args=[issued.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert issued.file.name in page and "私有存储" in page
    assert f'href="/media/{issued.file.name}"' not in page


# --- the migration ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_old_files_and_drops_the_token(world, register):
    """documents 0001 → 0002: a PDF in the default storage under its old, token-bearing name
    moves byte for byte to the private storage as documents/<year>/<id>-<code>.pdf."""
    doc = register().documents.get()
    old_name = f"documents/2025/{doc.case_id}/APP-v1-{doc.token}.pdf"
    executor = MigrationExecutor(connection)
    executor.migrate([("documents", "0001_initial")])
    default_storage.save(old_name, ContentFile(b"%PDF-1.7 issued before"))
    issued_at = timezone.make_aware(dt.datetime(2025, 6, 1, 10, 0))
    Document.objects.filter(pk=doc.pk).update(file=old_name, status="issued", issued_at=issued_at)

    executor = MigrationExecutor(connection)
    executor.migrate([("documents", "0002_document_file_private")])
    # only the columns of 0002's table: later migrations add some (0006: `lead`)
    moved = Document.objects.only("pk", "file").get(pk=doc.pk)
    assert moved.file.name == f"documents/2025/{doc.pk}-APP.pdf"
    assert storages["private"].open(moved.file.name).read() == b"%PDF-1.7 issued before"
    assert not default_storage.exists(old_name) and doc.token not in moved.file.name
    call_command("migrate", verbosity=0)  # the latest state, as every other test expects
