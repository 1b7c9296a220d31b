"""Evidence photos kept with the case file (SPEC §3; issue 14): taken during an investigation,
or of the signed paper agreement. They arrive already cleaned (core.images: upright, bounded,
location gone unless kept on purpose) and are attached inside the change that records them
(the investigation record, the agreement), so the record and its photos are one event."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.base import ContentFile

from cases.models import InvestigationRecord
from core import images
from core.errors import InvalidInput
from documents.models import EvidencePhoto
from workflows.services.change import Change

MAX_PER_RECORD = 9


def attach_photos(
    ch: Change,
    photos: Sequence[images.CleanPhoto],
    *,
    kind: str,
    investigation: InvestigationRecord | None = None,
    location_kept: bool = False,
) -> list[EvidencePhoto]:
    """Store `photos` privately with their thumbnails and list them in the change's event.
    Called last in a service, after its guards, so a refused change leaves no file behind."""
    if len(photos) > MAX_PER_RECORD:
        raise InvalidInput(
            f"每次最多上传 {MAX_PER_RECORD} 张照片。", fields={"photos": ["照片太多"]}
        )
    stored = []
    for photo in photos:
        row = EvidencePhoto(
            case=ch.case,
            kind=kind,
            investigation=investigation,
            content_type=photo.content_type,
            size=len(photo.data),
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            location_kept=location_kept,
            uploaded_by=ch.actor,
        )
        name = f"{ch.case.pk}-{photo.sha256[:16]}"
        row.file.save(name + photo.extension, ContentFile(photo.data), save=False)
        row.thumbnail.save(
            name + "-thumb.jpg", ContentFile(images.thumbnail(photo.data)), save=False
        )
        row.save()
        stored.append(row)
    if stored:
        ch.data["photos"] = [{"id": p.pk, "kind": kind, "sha256": p.sha256} for p in stored]
    return stored
