"""The core of every change: lock, compare versions, let the caller change the case, then one
tail for all — risk, save, version, the one CaseEvent, the flow, notifications, documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django_fsm import ConcurrentTransition

from cases.choices import RiskFactor, RiskLevel
from cases.models import Case, CaseCounter, Organization
from core.errors import Conflict, InvalidInput, NotFound
from core.upsert import increment
from documents.services import documents_schedule
from rollups import rollup
from screening import rollup as lead_rollup
from workflows import deadlines, flows, notify, risk, signals
from workflows.models import CaseEvent

TRACKED = ("status", "outcome", "organization", "mediators", "risk_level", "risk_score", "deadline")
# (document code, the record it prints or None)
DocumentRequest = tuple[str, models.Model | None]


@dataclass(frozen=True)
class Imported:
    """A past case entered from a committee's register (registers.importing) goes through the
    same services as a live one, with three differences: each change is dated `at` (the
    register's date, so numbering, deadlines and risk follow it), its event carries
    {"imported": true, "source_row": n}, and nothing is sent or issued — no notification for
    work finished long ago, no document (the signed originals are the paper file)."""

    source_row: int
    at: dt.datetime
    original_number: str = ""  # the register's own number, kept to refuse a second import

    def marker(self) -> dict[str, Any]:
        marker: dict[str, Any] = {"imported": True, "source_row": self.source_row}
        if self.original_number:
            marker["original_number"] = self.original_number
        return marker


def clock(imported: Imported | None) -> AbstractContextManager[object]:
    return deadlines.clock_at(imported.at) if imported else nullcontext()


def snapshot(case: Case) -> dict[str, Any]:
    return {
        "status": case.status,
        "outcome": case.outcome,
        "organization": case.organization_id,
        "mediators": sorted(case.mediators.values_list("pk", flat=True)) if case.pk else [],
        "risk_level": case.risk_level,
        "risk_score": case.risk_score,
        "deadline": case.deadline.isoformat() if case.deadline else None,
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in TRACKED if before.get(k) != after[k]}


def full_clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    """`full_clean`, its ValidationError turned into InvalidInput with the fields named."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        first = next(iter(fields.values()))[0]
        raise InvalidInput(first, fields=fields) from None


def next_number(organization: Organization, year: int, kind: str) -> int:
    """Gap-free (core.upsert.increment): the counter row is locked until the transaction
    ends, and a rollback takes the number back with it."""
    return increment(CaseCounter, organization=organization, year=year, kind=kind)


def check_factors(factors: list[str], field: str) -> None:
    bad = [f for f in factors if f not in RiskFactor.values]
    if bad:
        raise InvalidInput(f"未知的风险因素：{', '.join(bad)}", fields={field: bad})


def refresh_risk(case: Case) -> risk.Assessment:
    assessment = risk.assess(case, overdue=deadlines.deadline_state(case) == "overdue")
    case.risk_score, case.risk_level, case.risk_reasons = (
        assessment.score,
        assessment.level,
        assessment.reasons,
    )
    return assessment


@dataclass
class Change:
    """What one service call did; `finish` turns it into the event and the side effects."""

    case: Case
    actor: User | None
    name: str
    kind: str = CaseEvent.Kind.ACTION
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    documents: list[DocumentRequest] = field(default_factory=list)
    from_status: str = ""
    imported: Imported | None = None
    ip: str | None = None
    at: dt.datetime | None = None  # the event's time; now unless the change fixed it
    # the case's roll-up contribution before the change (None: a new case)
    rollup_before: rollup.Contribution | None = None


def finish(change: Change, *, before: dict[str, Any], old_level: str | None) -> CaseEvent:
    """The tail every change shares, inside its transaction, after the case is saved: the one
    event, the flow brought in step, the high-risk notice, the stage's documents scheduled
    (nothing sent or issued for an imported past case)."""
    case, imported = change.case, change.imported
    rollup.apply(change.rollup_before, rollup.contribution_of(case))  # SPEC §16, same transaction
    lead_rollup.case_changed(case)  # a converted lead's 排查 figures follow its case
    event = CaseEvent.objects.create(
        case=case,
        actor=change.actor,
        kind=change.kind,
        name=change.name,
        from_status=change.from_status,
        to_status=case.status,
        reason=change.reason,
        data={
            "changes": diff(before, snapshot(case)),
            **change.data,
            **(imported.marker() if imported else {}),
        },
        at=change.at or deadlines.now(),
        ip=change.ip,
    )
    flows.sync(case, change.actor, announce=not imported)
    if imported:
        return event
    if case.risk_level != old_level and case.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL):
        notify.high_risk(case)
    if change.documents:
        documents_schedule(case, change.documents, actor=change.actor, event=event)
    signals.case_changed.send(sender=Case, case=case, event=event)
    return event


@contextmanager
def change(
    case: Case,
    *,
    actor: User | None,
    name: str,
    kind: str = CaseEvent.Kind.ACTION,
    ip: str | None = None,
    imported: Imported | None = None,
) -> Iterator[Change]:
    """Lock, compare versions, yield a Change to fill, then save and `finish` in the same
    transaction. The caller's `case` is updated to what was saved."""
    with clock(imported), transaction.atomic():
        try:
            locked = Case.objects.select_for_update().get(pk=case.pk)
        except Case.DoesNotExist:
            raise NotFound("案件不存在。") from None
        if locked.version != case.version:
            raise Conflict()
        before = snapshot(locked)
        old_level = locked.risk_level
        ch = Change(
            case=locked,
            actor=actor,
            name=name,
            kind=kind,
            from_status=locked.status,
            imported=imported,
            ip=ip,
            rollup_before=rollup.contribution_of(locked),
        )
        yield ch
        refresh_risk(locked)
        locked.updated_by = actor if actor is not None else locked.updated_by
        try:
            locked.save()
        except ConcurrentTransition:
            raise Conflict() from None
        if not Case.objects.filter(pk=locked.pk, version=case.version).update(
            version=F("version") + 1
        ):
            raise Conflict()
        locked.version = case.version + 1
        finish(ch, before=before, old_level=old_level)
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    case._update_initial_state()
