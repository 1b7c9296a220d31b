"""What a party sees of their case (SPEC §14 查询进度): the status in plain words, the next
step and its date, the sessions, the documents addressed to the parties, and of the other
parties the name only (SPEC §11). The one read for the follow page and `GET public/case/`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases.choices import Status
from cases.models import Case, Party
from documents.models import Document
from workflows.services.actions import scheduled_session

# The documents addressed to the parties (SPEC §14); the others are the committee's file.
PARTY_DOCUMENTS = ("NOT", "DEC", "AGR", "ORA", "TRM", "FBK")

# The states in which a planned session (安排调解, SPEC §14 调解时间地点) is shown.
PLANNABLE = (Status.INVESTIGATION, Status.MEDIATION)

# Written for someone who has never seen a mediation document.
PLAIN_STATUS = {
    Status.NEW: ("已登记", "调委会正在看您的申请，会在3天内决定是否受理。"),
    Status.INTAKE: ("已登记，待受理", "调委会正在看您的申请，会在3天内决定是否受理。"),
    Status.INVESTIGATION: (
        "已受理，正在了解情况",
        "调解员会找各方了解情况、核实事实，可能会打电话或上门，请保持电话畅通。",
    ),
    Status.MEDIATION: (
        "正在调解",
        "调解员会约各方当面商量解决办法。请按约定的时间、地点参加，可以带上相关的证据材料。",
    ),
    Status.CLOSURE: ("调解已有结果", "调委会正在办理结案手续，结果文书可以在下方查看和下载。"),
    Status.FOLLOW_UP: ("已结案，回访中", "调委会会回访，了解协议是否履行。有困难可以告诉调解员。"),
    Status.ARCHIVED: ("已办结", "这件纠纷的调解已经全部办完。"),
}


def _local(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def documents(case: Case) -> list[Document]:
    found: list[Document] = list(
        Document.objects.filter(
            case=case, code__in=PARTY_DOCUMENTS, status=Document.Status.ISSUED
        ).order_by("created_at", "pk")
    )
    return found


def other_parties(case: Case, phone: str) -> list[Party]:
    """Everyone on the case but the party holding `phone`: their name only."""
    return [p for p in case.parties.all() if p.phone != phone]


def view(case: Case, phone: str) -> dict[str, Any]:
    label, step = PLAIN_STATUS.get(case.status, (case.get_status_display(), ""))
    if case.outcome:
        label = f"{label}（{case.get_outcome_display()}）"
    sessions = [
        {"held_at": _local(s.held_at), "place": s.place}
        for s in case.mediationsessions.filter(superseded_by=None).order_by("held_at")
    ]
    planned = scheduled_session(case) if case.status in PLANNABLE else None
    open_case = case.status not in (Status.FOLLOW_UP, Status.ARCHIVED) and not case.closed_at
    return {
        "number": case.number,
        "status": case.status,
        "status_label": label,
        "next_step": step,
        "next_date": case.deadline.isoformat() if case.deadline and open_case else None,
        "organization": case.organization.name,
        "sessions": sessions,
        "next_session": {"held_at": _local(planned["held_at"]), "place": planned["place"]}
        if planned
        else None,
        "documents": [
            {
                "id": d.pk,
                "code": d.code,
                "title": d.title,
                "issued_at": _local(d.issued_at or d.created_at),
            }
            for d in documents(case)
        ],
        "other_parties": [{"name": p.name} for p in other_parties(case, phone)],
    }


def party_document(case: Case, pk: int) -> Document | None:
    """A party-addressed, issued document of `case`, or None (another case's is not there)."""
    return next((d for d in documents(case) if d.pk == pk), None)
