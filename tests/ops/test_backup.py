"""Backup and restore (SPEC §16): a round trip ends with every document's stored hash matching its
file; a changed archive and a non-empty database are refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from viewflow.workflow.models import Process, Task

from cases.models import Case, Party
from core.storage import private_storage
from documents.models import Document
from workflows.models import CaseEvent

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


@pytest.fixture
def cases(register, walk, django_capture_on_commit_callbacks, clerk):
    """Two cases with issued documents, a gap in the users' ids and an admin log entry."""
    User.objects.create_user("gone").delete()
    User.objects.create_user("late")
    with django_capture_on_commit_callbacks(execute=True):
        first = walk(register(), "closure")
        second = register(summary="土地边界纠纷")
    LogEntry.objects.create(
        user=clerk,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=str(first.pk),
        object_repr=first.number,
        action_flag=ADDITION,
    )
    return [first, second]


def snapshot() -> dict:
    return {
        "cases": sorted(Case.objects.values_list("pk", "number", "status", "version", "summary")),
        "parties": sorted(Party.objects.values_list("pk", "case_id", "name", "id_number")),
        "events": sorted(CaseEvent.objects.values_list("pk", "case_id", "name", "actor_id")),
        "documents": sorted(
            Document.objects.values_list("pk", "case_id", "code", "status", "file", "sha256")
        ),
        "users": sorted(User.objects.values_list("pk", "username", "password")),
        "processes": sorted(Process.objects.values_list("pk", "status", "artifact_object_id")),
        "tasks": sorted(Task.objects.values_list("pk", "flow_task", "status", "owner_id")),
        "log": sorted(LogEntry.objects.values_list("user_id", "content_type__model", "object_id")),
    }


def private_root(settings) -> Path:
    """The private storage's folder (core/storage.py): beside MEDIA_ROOT in the tests."""
    return Path(private_storage().location)


def empty_everything(settings) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for folder in (settings.MEDIA_ROOT, private_root(settings)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()


def nothing_stored(settings) -> bool:
    return not any(settings.MEDIA_ROOT.iterdir()) and not any(private_root(settings).iterdir())


def file_sha256(doc: Document) -> str:
    with doc.file.open("rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_round_trip_restores_cases_and_every_document_matches_its_hash(
    cases, settings, tmp_path, capsys
):
    before = snapshot()
    issued = Document.objects.exclude(file="")
    assert issued.count() >= 5 and len(before["cases"]) == 2 and before["tasks"]
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", str(archive))
    assert "backup: wrote" in capsys.readouterr().out
    assert archive.stat().st_mode & 0o777 == 0o600  # every party's personal data is in it
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert manifest["documents"] == issued.count()
    assert set(manifest["files"]) == {f"private/{d.file.name}" for d in issued}
    assert names == set(manifest["files"]) | {"manifest.json", "database.json"}
    assert manifest["database_vendor"] in {"sqlite", "postgresql"}

    empty_everything(settings)
    assert Case.objects.count() == 0 and nothing_stored(settings)

    call_command("restore", str(archive))
    out = capsys.readouterr().out
    assert f"{manifest['documents']} documents match their SHA-256" in out
    assert snapshot() == before
    restored = Document.objects.exclude(file="")
    assert restored.count() == manifest["documents"]
    assert all(file_sha256(d) == d.sha256 for d in restored)
    first = Case.objects.get(pk=cases[0].pk)
    assert first.status == cases[0].status and first.number == cases[0].number
    assert User.objects.get(username="late").pk == before["users"][-1][0]


def tamper(archive, out, member_prefix="private/"):
    """Copy the archive with one byte changed in the first member under `member_prefix`."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        changed = False
        for member in src:
            data = src.extractfile(member).read()
            if not changed and member.name.startswith(member_prefix):
                data = bytes([data[0] ^ 1]) + data[1:]
                changed = member.name
            dst.addfile(member, io.BytesIO(data))
    return changed


def test_a_changed_file_is_refused_before_anything_is_written(cases, settings, tmp_path):
    archive, bad = tmp_path / "b.tar.gz", tmp_path / "bad.tar.gz"
    call_command("backup", str(archive))
    name = tamper(archive, bad)
    with pytest.raises(CommandError, match=f"{name} does not match its SHA-256"):
        call_command("restore", "--verify-only", str(bad))

    empty_everything(settings)
    with pytest.raises(CommandError, match=f"{name} does not match its SHA-256"):
        call_command("restore", str(bad))
    assert User.objects.count() == 0 and nothing_stored(settings)

    database = tmp_path / "db.tar.gz"
    tamper(archive, database, "database.json")
    with pytest.raises(CommandError, match="database.json does not match the manifest"):
        call_command("restore", str(database))
    assert User.objects.count() == 0


def test_a_database_with_cases_is_refused_without_force(cases, settings, tmp_path, capsys):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    before = snapshot()
    with pytest.raises(CommandError, match="already holds 2 cases.*--force"):
        call_command("restore", str(archive))
    assert snapshot() == before

    # --force replaces what is there (flush and load in one transaction)
    Case.objects.filter(pk=cases[1].pk).update(summary="改过")
    doc = Document.objects.exclude(file="").first()
    (private_root(settings) / doc.file.name).write_bytes(b"overwritten")
    call_command("restore", "--force", str(archive))
    assert snapshot() == before
    assert file_sha256(Document.objects.get(pk=doc.pk)) == doc.sha256


def test_verify_only_reports_an_intact_archive_and_an_unreadable_one(cases, tmp_path, capsys):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive))
    capsys.readouterr()
    call_command("restore", "--verify-only", str(archive))
    assert "is intact" in capsys.readouterr().out
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(CommandError, match="unreadable"):
        call_command("restore", "--verify-only", str(truncated))
    with pytest.raises(CommandError, match="no such archive"):
        call_command("restore", "--verify-only", str(tmp_path / "missing.tar.gz"))


def test_a_failed_backup_leaves_nothing(cases, tmp_path, monkeypatch):
    from ops import backup

    first = next(backup._stored_files(private_storage()))

    def failing(store):
        yield first  # one file is in the archive when the storage fails
        raise OSError("storage gone")

    monkeypatch.setattr(backup, "_stored_files", failing)
    with pytest.raises(OSError, match="storage gone"):
        call_command("backup", str(tmp_path / "b.tar.gz"))
    assert [p.name for p in tmp_path.iterdir()] == ["private"]  # the documents, no archive


def test_an_archive_from_before_the_private_storage_restores_its_pdfs_there(
    cases, settings, tmp_path
):
    """Archives written when issued PDFs were in the default storage hold them as media/…:
    they are restored into the private storage, where the documents now look for them."""
    archive, old = tmp_path / "b.tar.gz", tmp_path / "old.tar.gz"
    call_command("backup", str(archive))
    with tarfile.open(archive) as src, tarfile.open(old, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["files"] = {
                    k.replace("private/", "media/", 1): v for k, v in manifest["files"].items()
                }
                data = json.dumps(manifest).encode()
                member.size = len(data)
            member.name = member.name.replace("private/", "media/", 1)
            dst.addfile(member, io.BytesIO(data))
    empty_everything(settings)
    call_command("restore", str(old))
    restored = Document.objects.exclude(file="")
    assert restored.count() == manifest["documents"] > 0
    assert all(file_sha256(d) == d.sha256 for d in restored)
    assert not any(settings.MEDIA_ROOT.iterdir())
