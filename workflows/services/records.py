"""Records of the work (调查, 调解, 回访) and the judicial confirmation: each an audited action
whose record prints its document after commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from cases.models import (
    Case,
    FollowUpVisit,
    InvestigationRecord,
    JudicialConfirmation,
    MediationSession,
    display_name,
)
from core.errors import InvalidInput
from core.images import CleanPhoto
from documents.models import EvidencePhoto
from workflows import deadlines
from workflows.services.actions import action
from workflows.services.change import Imported, full_clean
from workflows.services.inputs import date_or_none, moment_or_none, not_future
from workflows.services.photos import attach_photos
from workflows.services.transitions import guard

# kind → (model, document code); who and when: ACTIONS["<kind>_add"]
RECORDS: dict[str, tuple[type[models.Model], str]] = {
    "investigation": (InvestigationRecord, "INV"),
    "session": (MediationSession, "MED"),
    "follow_up": (FollowUpVisit, "FUV"),
}
# The time each record happened: never after now (inputs.not_future).
MOMENTS = {"investigation": "conducted_at", "session": "held_at", "follow_up": "visited_at"}


def record_add(
    case: Case,
    kind: str,
    *,
    actor: User | None,
    ip: str | None = None,
    imported: Imported | None = None,
    photos: Sequence[CleanPhoto] = (),
    **fields: Any,
) -> models.Model:
    """Investigation, session and follow-up records: assigned mediator only; each issues its
    document (INV, MED, FUV) after commit. An investigation may carry evidence photos
    (core.images-cleaned), stored with it in the same change."""
    model, code = RECORDS[kind]
    moment = MOMENTS[kind]
    with action(case, actor=actor, name=f"{kind}_add", ip=ip, imported=imported) as ch:
        if moment in fields:
            fields[moment] = moment_or_none(fields[moment], moment)
            not_future(fields[moment], moment)
        if kind == "session" and "mediator_names" not in fields:
            fields["mediator_names"] = [display_name(u) for u in ch.case.mediators.all()]
        if kind == "investigation" and "interviewers" not in fields:
            fields["interviewers"] = [display_name(actor)]
        if kind == "follow_up" and "visitor" not in fields:
            fields["visitor"] = display_name(actor)
        known = {f.name for f in model._meta.fields}
        unknown = set(fields) - known
        if unknown:
            raise InvalidInput(
                f"未知字段：{', '.join(sorted(unknown))}", fields={k: ["未知字段"] for k in unknown}
            )
        record = model(case=ch.case, created_by=actor, **fields)
        full_clean(record, exclude=["case", "created_by", "superseded_by"])
        record.save()
        ch.data["record"] = {"kind": kind, "id": record.pk}
        if photos:
            if kind != "investigation":
                raise InvalidInput("只有调查记录可以附证据照片。", fields={"photos": ["不适用"]})
            assert isinstance(record, InvestigationRecord)
            attach_photos(ch, photos, kind=EvidencePhoto.Kind.INVESTIGATION, investigation=record)
        ch.documents = [(code, record)]
    return record


def judicial_confirmation_add(
    case: Case,
    *,
    actor: User | None,
    applied_on: object,
    court: str,
    result: str = "pending",
    result_on: object = None,
    ip: str | None = None,
) -> JudicialConfirmation:
    """司法确认 must be applied for within 30 days of the agreement taking effect (第33条)."""
    with action(case, actor=actor, name="judicial_confirmation", ip=ip) as ch:
        agreement = ch.case.current_agreement
        applied = date_or_none(applied_on, "applied_on")
        missing = []
        if agreement is None:
            missing.append("调解协议")
        elif applied and applied > deadlines.judicial_window_end(agreement):
            missing.append(
                f"司法确认须在协议生效后30日内申请（截止{deadlines.judicial_window_end(agreement)}）"
            )
        if not court.strip():
            missing.append("受理的人民法院")
        guard(missing)
        record = JudicialConfirmation(
            case=ch.case,
            created_by=actor,
            agreement=agreement,
            applied_on=applied,  # type: ignore[misc]  # None: full_clean below reports it
            court=court,
            result=result,
            result_on=date_or_none(result_on, "result_on"),
        )
        full_clean(record, exclude=["case", "created_by", "superseded_by"])
        record.save()
        ch.data["record"] = {"kind": "judicial_confirmation", "id": record.pk}
    return record
