"""The private storage on S3-compatible object storage (SPEC §16): django-storages' S3 backend
for the ``"private"`` alias when ``TIAOJIE_S3_BUCKET`` is set (config/env.py::env_s3_storage).

Like the embedded folder (core/storage.py::PrivateFileSystemStorage) it has no address:
``url()`` refuses, so no presigned link to a document can leak into a page or a log; the scoped
views stream each file after checking who asks. The bucket is private (no public policy, no
public ACL); a name already taken gets a fresh suffix instead of overwriting (as on the disk).
Imported only when configured: a node on the local disk never loads boto3.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage


@deconstructible(path="core.s3.PrivateS3Storage")
class PrivateS3Storage(S3Storage):  # type: ignore[misc]  # django-storages is untyped
    def __init__(
        self,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 20.0,
        max_attempts: int = 3,
        **options: Any,
    ) -> None:
        options.setdefault("file_overwrite", False)
        options.setdefault("querystring_auth", True)
        options.setdefault("max_memory_size", 8 * 1024 * 1024)  # larger: spooled to disk
        options["client_config"] = Config(
            s3={"addressing_style": options.pop("addressing_style", None) or "path"},
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        super().__init__(**options)

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        raise ValueError("private files have no address: stream them through a view")
