"""Which documents a case's path requires, and which of them are missing (SPEC §5)."""

from __future__ import annotations

from dataclasses import dataclass

from cases.choices import Outcome, Status
from cases.models import Case
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


def required_documents(case: Case) -> list[tuple[str, str]]:
    req = [("APP", "")]
    if case.accepted_at:
        req += [("REG", ""), ("NOT", "")]
    if case.outcome == Outcome.DECLINED:
        req.append(("DEC", ""))
    req += [("INV", f"r{r.pk}") for r in case.investigationrecords.filter(superseded_by=None)]
    req += [("EXT", f"r{r.pk}") for r in case.deadlineextensions.all()]
    req += [("MED", f"r{r.pk}") for r in case.mediationsessions.filter(superseded_by=None)]
    agreement = case.current_agreement
    if agreement:
        req.append(("AGR" if agreement.kind == "written" else "ORA", f"r{agreement.pk}"))
    if case.outcome in (Outcome.FAILED, Outcome.WITHDRAWN):
        req.append(("TRM", ""))
    if case.closed_at or case.status in (Status.FOLLOW_UP, Status.ARCHIVED):
        req.append(("CLS", ""))
    req += [("FUV", f"r{r.pk}") for r in case.followupvisits.filter(superseded_by=None)]
    req += [("SUP", f"r{r.pk}") for r in case.supervisionnotices.all()]
    return req


def completeness(case: Case) -> Completeness:
    """A document counts when its current version is issued or still pending (it will render);
    a failed one is missing until retried."""
    present = set(
        Document.objects.filter(
            case=case,
            superseded_by__isnull=True,
            status__in=[Document.Status.ISSUED, Document.Status.PENDING],
        ).values_list("code", "slot")
    )
    required = required_documents(case)
    return Completeness(required=required, missing=[r for r in required if r not in present])
