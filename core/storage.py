"""Private files (SPEC §12): issued PDFs, signing certificates and kept import uploads.

They live in the storage alias ``"private"`` of ``settings.STORAGES`` and are only ever read
through the storage API (``storages["private"]``, a FieldFile's ``open``), so that the alias can
become object storage without a code change. They have no public address: the scoped views
(the PDF downloads) stream them after checking who asks.

``PrivateFileSystemStorage`` is the embedded default: a folder that no web server serves,
``settings.TIAOJIE_PRIVATE_ROOT`` or, when that is empty, the folder ``private`` beside
``MEDIA_ROOT`` (``var/private`` by default), and ``url()`` refuses to make an address. With
``TIAOJIE_S3_BUCKET`` set the alias is ``core.s3.PrivateS3Storage`` (a private bucket on any
S3-compatible store, no address either).

Nothing may be written under ``PROBES`` but the readiness probe; the backup skips it.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from whitenoise.storage import CompressedManifestStaticFilesStorage

PRIVATE = "private"
PROBES = "readyz/"  # the readiness probe's folder in the private storage (web/views/health.py)


def private_storage() -> Storage:
    """The storage of every private file field (a callable: migrations record the name of this
    function, never a storage, and the alias decides at run time)."""
    return storages[PRIVATE]


@deconstructible(path="core.storage.PrivateFileSystemStorage")
class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage with no URL, in a folder outside MEDIA_ROOT."""

    def __init__(self, location: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("base_url", None)  # never an address
        super().__init__(location=location, base_url=None, **kwargs)
        self._private_location = location

    @cached_property
    def base_location(self) -> str:
        if self._private_location:
            return str(self._private_location)
        configured = getattr(settings, "TIAOJIE_PRIVATE_ROOT", "")
        if configured:
            return str(configured)
        return os.path.join(os.path.dirname(os.path.abspath(settings.MEDIA_ROOT)), PRIVATE)

    @cached_property
    def base_url(self) -> None:  # type: ignore[override]
        return None  # FileSystemStorage.url() raises "not accessible via a URL"

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting in ("TIAOJIE_PRIVATE_ROOT", "MEDIA_ROOT"):
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """Production's static files: whitenoise's hashed, compressed names, cached for a year.
    viewflow 2.4 ships `roboto-fontface.css`, whose @font-face rules name font files viewflow
    does not ship (Roboto-Thin.woff2 …), and the manifest's post-processing stops
    `collectstatic` on the first of them. Those references are left as written (a font weight
    nobody here uses, answered 404); any other missing reference still fails, as it should."""

    TOLERATED = ("viewflow/fonts/roboto/",)

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return str(super().hashed_name(name, content, filename))
        except ValueError:
            if name.startswith(self.TOLERATED):
                return name
            raise
