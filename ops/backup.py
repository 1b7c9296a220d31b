"""Backup and restore (SPEC §16): one .tar.gz holding

- `database.json`: Django's `dumpdata` (natural foreign keys for content types and permissions),
  which loads into any freshly migrated database, SQLite or PostgreSQL;
- `private/<name>`: every file of the private storage (issued PDFs, signing certificates,
  import uploads waiting for confirmation; core/storage.py: the local folder or the S3 bucket,
  read and written through the storage API alone, so an archive moves between the two), and `media/<name>` every file of the
  default storage (nothing of ours today; archives written before the private storage existed
  hold the issued PDFs there, and restore them into the private storage);
- `manifest.json`: the SHA-256 of each of the above, the Django version, the vendor, the number of
  documents with a file.

The dump is read in one transaction (REPEATABLE READ on PostgreSQL), then the files are copied:
a document is stored before its row says so, so every file the dump names is already there.
A restore checks every member against the manifest before it touches anything, then flushes (with
`force`), loads the dump, writes the files and checks each `Document.sha256` against its file, all
inside one transaction: any failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.db import connection, transaction

from cases.models import Case
from core.storage import PROBES, private_storage
from documents.models import Document

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.json"
MEDIA = "media/"
PRIVATE = "private/"
STORES = (PRIVATE, MEDIA)  # archive prefixes, each one storage
CHUNK = 1024 * 1024

# What the dump leaves out, and why:
# - contenttypes, auth.permission: written by `migrate` itself (post_migrate) in every database,
#   with ids of their own; every row that points at them is dumped by natural key (app label +
#   model, codename), so it resolves to the target's rows.
# - sessions: logins on the old server; a restore logs nobody in.
# Everything else keeps its primary key (no natural_primary): case snapshots in CaseEvent and the
# admin's LogEntry.object_id hold ids as plain values, so a user renumbered on load (after a
# deleted one, say) would silently become someone else in the history.
EXCLUDE = ["contenttypes", "auth.permission", "sessions"]


class BackupError(Exception):
    """A backup that cannot be written or an archive that must not be restored."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    django: str
    database_vendor: str
    files: dict[str, str]
    database_sha256: str
    documents: int

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "django": self.django,
            "database_vendor": self.database_vendor,
            "files": self.files,
            "database_sha256": self.database_sha256,
            "documents": self.documents,
        }


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    files_written: int
    documents_checked: int


# ---------------------------------------------------------------------------------------- backup


def create_backup(out: Path) -> BackupResult:
    """Write the archive to `out` through a temporary file in the same folder, renamed at the end:
    a failed backup leaves nothing behind. The archive is readable by its owner only (0600)."""
    out = out.resolve()
    if not out.parent.is_dir():
        raise BackupError(f"folder does not exist: {out.parent}")
    fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / DATABASE
            documents = _dump_database(dump)
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    database_sha256 = _add(tar, DATABASE, dump.open("rb"), dump.stat().st_size)
                    files = {
                        prefix + name: _add(tar, prefix + name, store.open(name, "rb"), size)
                        for prefix in STORES
                        for store in [_storage(prefix)]
                        for name, size in _stored_files(store)
                    }
                    manifest = Manifest(
                        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        django=django.get_version(),
                        database_vendor=connection.vendor,
                        files=files,
                        database_sha256=database_sha256,
                        documents=documents,
                    )
                    body = json.dumps(manifest.as_json(), indent=2, sort_keys=True).encode()
                    _add(tar, MANIFEST, io.BytesIO(body), len(body))
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return BackupResult(path=out, size=out.stat().st_size, manifest=manifest)


def _dump_database(path: Path) -> int:
    """Dump every table but EXCLUDE to `path` from one snapshot; return the number of documents
    with a file in it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        documents = Document.objects.exclude(file="").count()
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=EXCLUDE,
            output=str(path),
            verbosity=0,
        )
    return documents


def _storage(prefix: str) -> Storage:
    return private_storage() if prefix == PRIVATE else default_storage


def _stored_files(store: Storage, folder: str = "") -> Iterator[tuple[str, int]]:
    """(name, size) of every file of `store`, sorted; not the readiness probes (PROBES), which
    come and go while the backup runs."""
    try:
        folders, files = store.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        path = f"{folder}{name}"
        yield path, store.size(path)
    for sub in sorted(folders):
        if f"{folder}{sub}/" != PROBES:
            yield from _stored_files(store, f"{folder}{sub}/")


def _add(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> str:
    """Add one regular file to the archive; return the SHA-256 of what was written."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(dt.datetime.now().timestamp())
    with source:
        hashing = _Hashing(source)
        tar.addfile(info, hashing)
    if hashing.read_bytes != size:
        raise BackupError(f"{name} changed size while it was copied")
    return hashing.sha256.hexdigest()


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source, self.sha256, self.read_bytes = source, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.sha256.update(data)
        self.read_bytes += len(data)
        return data


# ------------------------------------------------------------------------------- archive check


def verify_archive(path: Path) -> Manifest:
    """Check every member of the archive against its manifest without writing anything."""
    return _read_archive(path, None)


def _read_archive(path: Path, dest: Path | None) -> Manifest:
    """Read the archive once: hash every member (and write it under `dest` if given), then
    compare with the manifest. Raises BackupError naming the first file that does not match."""
    hashes: dict[str, str] = {}
    manifest_body = b""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member in tar:
                name = _member_name(member)
                if name is None:
                    continue
                if name in hashes or (name == MANIFEST and manifest_body):
                    raise BackupError(f"archive holds {name} twice")
                source = tar.extractfile(member)
                assert source is not None  # a regular file (checked by _member_name)
                if name == MANIFEST:
                    manifest_body = source.read()
                    continue
                target = None
                if dest is not None:
                    (dest / name).parent.mkdir(parents=True, exist_ok=True)
                    target = (dest / name).open("wb")
                sha = hashlib.sha256()
                try:
                    while data := source.read(CHUNK):
                        sha.update(data)
                        if target is not None:
                            target.write(data)
                finally:
                    if target is not None:
                        target.close()
                hashes[name] = sha.hexdigest()
    except FileNotFoundError as e:
        raise BackupError(f"no such archive: {path}") from e
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise BackupError(f"archive is unreadable ({type(e).__name__}: {e}): {path}") from e
    manifest = _parse_manifest(manifest_body)
    if hashes.get(DATABASE) != manifest.database_sha256:
        raise BackupError(f"{DATABASE} does not match the manifest (missing or changed)")
    for name, expected in sorted(manifest.files.items()):
        if name not in hashes:
            raise BackupError(f"{name} is in the manifest but missing from the archive")
        if hashes[name] != expected:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest (changed)")
    extra = sorted(set(hashes) - set(manifest.files) - {DATABASE})
    if extra:
        raise BackupError(f"{extra[0]} is in the archive but not in the manifest")
    return manifest


def _member_name(member: tarfile.TarInfo) -> str | None:
    """The member's name if it is one this format writes; None for a folder entry."""
    if member.isdir():
        return None
    name = member.name
    parts = PurePosixPath(name).parts
    safe = (
        member.isfile()
        and not name.startswith("/")
        and ".." not in parts
        and (name in (MANIFEST, DATABASE) or (name.startswith(STORES) and len(parts) > 1))
    )
    if not safe:
        raise BackupError(f"unexpected member in archive: {name!r}")
    return name


def _parse_manifest(body: bytes) -> Manifest:
    if not body:
        raise BackupError(f"{MANIFEST} is missing from the archive")
    try:
        data = json.loads(body)
        if data.get("format") != FORMAT:
            raise BackupError(f"{MANIFEST}: unknown format {data.get('format')!r}")
        return Manifest(
            created_at=str(data["created_at"]),
            django=str(data["django"]),
            database_vendor=str(data["database_vendor"]),
            files={str(k): str(v) for k, v in data["files"].items()},
            database_sha256=str(data["database_sha256"]),
            documents=int(data["documents"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise BackupError(f"{MANIFEST} is not a valid manifest: {e}") from e


# --------------------------------------------------------------------------------------- restore


def restore_backup(path: Path, *, force: bool = False) -> RestoreResult:
    """Restore an archive into this database and storage. Refused if the database has cases
    (unless `force`, which flushes it first, in the same transaction as the load)."""
    if not force and Case.objects.exists():
        raise BackupError(
            f"the database already holds {Case.objects.count()} cases: restore only into an "
            "empty database, or use --force to replace everything"
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manifest = _read_archive(path, folder)
        with transaction.atomic():
            if force:
                call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(folder / DATABASE), verbosity=0)
            written = _write_files(folder, manifest)
            checked, problems = verify_documents()
            if problems:
                raise BackupError(
                    f"{len(problems)} of {checked} documents do not match their files "
                    f"(nothing restored): {'; '.join(problems[:5])}"
                )
            if checked != manifest.documents:
                raise BackupError(
                    f"{checked} documents with a file after the load, the manifest says "
                    f"{manifest.documents} (nothing restored)"
                )
    # Cached list counts and rate limits describe the old data.
    cache.clear()
    return RestoreResult(manifest=manifest, files_written=written, documents_checked=checked)


def _write_files(folder: Path, manifest: Manifest) -> int:
    """Write each archived file to its storage under its own name; a file already there with
    the same bytes is left alone. Returns the number written. The issued PDFs of an archive
    written before the private storage existed (`media/documents/…`) go to the private storage,
    where the documents now look for them."""
    written = 0
    for member, expected in sorted(manifest.files.items()):
        prefix = PRIVATE if member.startswith(PRIVATE) else MEDIA
        name = member.removeprefix(prefix)
        store = _storage(PRIVATE if name.startswith("documents/") else prefix)
        if store.exists(name):
            if _storage_sha256(store, name) == expected:
                continue
            store.delete(name)
        with (folder / member).open("rb") as fh:
            saved = store.save(name, File(fh))
        if saved != name:
            raise BackupError(f"{member} was stored as {saved}")
        written += 1
    return written


def verify_documents() -> tuple[int, list[str]]:
    """Check every document with a file against its stored SHA-256: (how many, problems)."""
    problems: list[str] = []
    checked = 0
    for doc in Document.objects.exclude(file="").only("pk", "file", "sha256").order_by("pk"):
        checked += 1
        name = doc.file.name or ""
        if not doc.file.storage.exists(name):
            problems.append(f"document {doc.pk}: {name} is missing")
        elif _storage_sha256(doc.file.storage, name) != doc.sha256:
            problems.append(f"document {doc.pk}: {name} does not match its SHA-256")
    return checked, problems


def _storage_sha256(store: Storage, name: str) -> str:
    sha = hashlib.sha256()
    with store.open(name, "rb") as fh:
        while data := fh.read(CHUNK):
            sha.update(data)
    return sha.hexdigest()
