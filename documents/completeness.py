"""Which documents a case's path requires, and which of them are missing (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cases.choices import Outcome, Status
from cases.models import (
    Agreement,
    Case,
    DeadlineExtension,
    FollowUpVisit,
    InvestigationRecord,
    MediationSession,
    SupervisionNotice,
)
from documents.labels import TITLES
from documents.models import Document


@dataclass(frozen=True)
class Completeness:
    required: list[tuple[str, str]]  # (code, slot)
    missing: list[tuple[str, str]]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_labels(self) -> list[str]:
        return [TITLES[code] for code, _slot in self.missing]


@dataclass(frozen=True)
class Records:
    """A case's current records, each read once: what the dossier requires a document for, and
    what the case page lists."""

    investigations: list[InvestigationRecord]
    extensions: list[DeadlineExtension]
    sessions: list[MediationSession]
    agreement: Agreement | None
    follow_ups: list[FollowUpVisit]
    notices: list[SupervisionNotice]


def current_records(case: Case) -> Records:
    return Records(
        investigations=list(case.investigationrecords.filter(superseded_by=None)),
        extensions=list(case.deadlineextensions.all()),
        sessions=list(case.mediationsessions.filter(superseded_by=None)),
        agreement=case.current_agreement,
        follow_ups=list(case.followupvisits.filter(superseded_by=None)),
        notices=list(case.supervisionnotices.all()),
    )


def required_documents(case: Case, records: Records | None = None) -> list[tuple[str, str]]:
    records = records or current_records(case)
    req = [("APP", "")]
    if case.accepted_at:
        req += [("REG", ""), ("NOT", "")]
    if case.outcome == Outcome.DECLINED:
        req.append(("DEC", ""))
    req += [("INV", f"r{r.pk}") for r in records.investigations]
    req += [("EXT", f"r{r.pk}") for r in records.extensions]
    req += [("MED", f"r{r.pk}") for r in records.sessions]
    agreement = records.agreement
    if agreement:
        req.append(("AGR" if agreement.kind == "written" else "ORA", f"r{agreement.pk}"))
    if case.outcome in (Outcome.FAILED, Outcome.WITHDRAWN):
        req.append(("TRM", ""))
    if case.closed_at or case.status in (Status.FOLLOW_UP, Status.ARCHIVED):
        req.append(("CLS", ""))
    req += [("FUV", f"r{r.pk}") for r in records.follow_ups]
    req += [("SUP", f"r{r.pk}") for r in records.notices]
    return req


COUNTED = (Document.Status.ISSUED, Document.Status.PENDING)


def completeness(
    case: Case, records: Records | None = None, documents: Iterable[Document] | None = None
) -> Completeness:
    """A document counts when its current version is issued or still pending (it will render);
    a failed one is missing until retried. `records` and `documents` (all of the case's
    documents), when the caller has read them already, save reading them again."""
    if documents is None:
        present = set(
            Document.objects.filter(
                case=case, superseded_by__isnull=True, status__in=COUNTED
            ).values_list("code", "slot")
        )
    else:
        present = {
            (d.code, d.slot)
            for d in documents
            if d.superseded_by_id is None and d.status in COUNTED
        }
    required = required_documents(case, records)
    return Completeness(required=required, missing=[r for r in required if r not in present])
