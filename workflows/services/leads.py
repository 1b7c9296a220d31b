"""Leads (排查线索, SPEC §13): the one way a lead comes into being (`lead_report`), the one way it
changes state (`lead_transition`, the table of workflows/lead_transitions.py), its photos
(`lead_photo_add`) and the sweep's overdue mark (`lead_mark_overdue`). Each writes exactly one
LeadEvent in its transaction, under the case services' rules: NotFound outside scope,
PermissionDenied for the wrong role (screening.scope.check_lead_role), Conflict for a stale
version (row locked with SELECT … FOR UPDATE), InvalidState for the wrong state,
PreconditionFailed listing every unmet guard."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from cases import scope
from cases.choices import PartyKind, PartyRole, RiskFactor, RiskLevel, Role, Source
from cases.models import Case, DisputeType, Organization, Party, Region
from core import images
from core.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from documents.services import lead_documents_schedule
from screening import rollup as lead_rollup
from screening.models import (
    SENDER_CHANNELS,
    Channel,
    Lead,
    LeadEvent,
    LeadPerson,
    LeadPhoto,
    LeadStatus,
    Receiver,
    Sweep,
)
from screening.scope import check_lead_role, report_regions_q
from workflows import deadlines, notify, risk
from workflows.lead_transitions import LEAD_SPECS, REPORT_ROLES, LeadSpec
from workflows.services.change import check_factors, full_clean, next_number
from workflows.services.inputs import date_or_none, not_future
from workflows.services.registration import case_register

LEAD_NUMBER_FORMAT = "（{year}）{org}排字第{seq:04d}号"
REPEAT_WINDOW = dt.timedelta(days=90)
PRE_LITIGATION_DAYS = 30  # a court's 诉前 referral: the term within which the court hears back
GROUP_5, GROUP_10 = 5, 10
STALE = "线索已被他人修改，请刷新后重试。"
# The case's source for each channel, when a lead becomes a case (nothing typed twice).
CASE_SOURCE = {
    Channel.GRID: Source.GRID_REPORT,
    Channel.MEDIATOR: Source.OWN_INITIATIVE,
    Channel.SWEEP: Source.OWN_INITIATIVE,
    Channel.POLICE_110: Source.POLICE_REFERRAL,
    Channel.COURT: Source.COURT_REFERRAL,
    Channel.PETITION: Source.PETITION_REFERRAL,
    Channel.HOTLINE_12345: Source.OTHER,
    Channel.OTHER: Source.OTHER,
}
PERSON_FIELDS = ("name", "role", "phone")


# --- reporting ------------------------------------------------------------------------------
def _committee_for(actor: User | None, region: Region) -> Organization:
    """The committee the lead belongs to: the reporter's own when the region is in its area,
    else the nearest committee over the region (a grid's village committee)."""
    for m in scope.memberships(actor):
        if m.organization is not None and region.path.startswith(m.organization.region.path):
            return m.organization
    above = [*scope.strict_ancestor_paths(region.path), region.path]
    found = (
        Organization.objects.filter(region__path__in=above)
        .select_related("region")
        .order_by("-region__path")
    )
    best = max(found, key=lambda o: len(o.region.path), default=None)
    if best is None:
        message = f"“{region.full_name}”没有人民调解委员会，无法登记线索。"
        raise InvalidInput(message, fields={"region": [message]})
    return best


def _check_reporter(actor: User | None, region: Region) -> None:
    held = {m.role for m in scope.memberships(actor)} | (
        {Role.ADMIN} if scope.is_admin(actor) else set()
    )
    if not held & REPORT_ROLES:
        raise PermissionDenied("“上报线索”只能由网格员、登记员、调委会主任、人民调解员办理。")
    if not Region.objects.filter(report_regions_q(actor), pk=region.pk).exists():
        message = f"“{region.full_name}”不在您负责的区域内，不能在此上报线索。"
        raise InvalidInput(message, fields={"region": [message]})


def _people(data: Sequence[Mapping[str, Any]]) -> list[LeadPerson]:
    people = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise InvalidInput("涉及人员须为对象列表", fields={"people": ["须为对象列表"]})
        unknown = set(item) - set(PERSON_FIELDS)
        if unknown:
            raise InvalidInput(
                f"未知的人员字段：{', '.join(sorted(unknown))}",
                fields={f"people[{i}]": ["未知字段"]},
            )
        person = LeadPerson(**{k: str(item.get(k) or "").strip() for k in PERSON_FIELDS})
        if not person.name:
            continue  # an empty row of the form
        full_clean(person, exclude=["lead"])
        people.append(person)
    return people


def _count(value: object, name: str) -> int:
    try:
        n = int(str(value or 0))
    except ValueError:
        raise InvalidInput("涉及人数须为整数", fields={name: ["须为整数"]}) from None
    if not 0 <= n <= 100000:
        raise InvalidInput("涉及人数须在0至100000之间", fields={name: ["须在0至100000之间"]})
    return n


def _check_sweep(sweep: Sweep | None, region: Region, on: dt.date) -> None:
    if sweep is None:
        return
    if not region.path.startswith(sweep.region.path):
        message = f"发现地不在排查活动“{sweep.name}”的范围（{sweep.region.full_name}）内。"
        raise InvalidInput(message, fields={"sweep": [message]})
    if not sweep.starts_on <= on <= sweep.ends_on:
        message = f"排查活动“{sweep.name}”的期间为{sweep.starts_on}至{sweep.ends_on}。"
        raise InvalidInput(message, fields={"sweep": [message]})


def find_repeat(lead: Lead, people: Sequence[LeadPerson]) -> tuple[Lead | None, Case | None]:
    """Another lead (same person — name or phone — or same place) or case (a party with the same
    name or phone) of the 90 days before this lead."""
    since = lead.reported_at - REPEAT_WINDOW
    person_q = Q()
    for p in people:
        person_q |= Q(name=p.name) | (Q(phone=p.phone) if p.phone else Q())
    match = Q()
    if person_q:
        match |= Q(Exists(LeadPerson.objects.filter(person_q, lead=OuterRef("pk"))))
    if lead.place.strip():
        match |= Q(place=lead.place.strip())
    other = None
    if match:
        other = (
            Lead.objects.filter(match, reported_at__gte=since, reported_at__lte=lead.reported_at)
            .exclude(pk=lead.pk)
            .order_by("-reported_at", "-pk")
            .first()
        )
    case = None
    if person_q:
        party = (
            Party.objects.filter(person_q, case__registered_at__gte=since)
            .exclude(case__lead=lead)
            .order_by("-case__registered_at")
            .select_related("case")
            .first()
        )
        case = party.case if party else None
    return other, case


def _automatic(lead: Lead) -> set[RiskFactor]:
    found = set()
    if lead.people_involved >= GROUP_10:
        found.add(RiskFactor.GROUP_10)
    elif lead.people_involved >= GROUP_5:
        found.add(RiskFactor.GROUP_5)
    if lead.is_repeat:
        found.add(RiskFactor.REPEAT_DISPUTE)
    return found


def refresh_lead_risk(lead: Lead) -> None:
    assessment = risk.score(lead.risk_factors, _automatic(lead))
    lead.risk_score, lead.risk_level, lead.risk_reasons = (
        assessment.score,
        assessment.level,
        assessment.reasons,
    )


def lead_report(
    *,
    actor: User | None,
    region: Region | None,
    description: str = "",
    channel: str = Channel.GRID,
    sender: str = "",
    sender_reference: str = "",
    found_on: object = None,
    place: str = "",
    dispute_type: DisputeType | None = None,
    people_involved: object = 0,
    people: Sequence[Mapping[str, Any]] = (),
    risk_factors: Sequence[str] = (),
    sweep: Sweep | None = None,
    ip: str | None = None,
) -> Lead:
    """A new lead in `reported`, numbered （年）X调委排字第N号 per committee and year (gap-free),
    its risk scored, its triage date set, the committee and supervisors told at once when the
    risk is high or critical."""
    if region is None:
        raise PreconditionFailed(["发现地（区域）"])
    _check_reporter(actor, region)
    organization = _committee_for(actor, region)
    if channel not in Channel.values:
        raise InvalidInput(f"未知的来源渠道：{channel}", fields={"channel": ["无效的渠道"]})
    if channel in SENDER_CHANNELS and not sender.strip():
        # SPEC §13: a referral has a sender, who gets the 反馈函 when the matter ends
        label = Channel(channel).label
        raise InvalidInput(
            f"“{label}”的线索须填写移送单位（反馈函寄给它）。",
            fields={"sender": [f"请填写移送单位：“{label}”的线索须反馈移送单位。"]},
        )
    check_factors(list(risk_factors), "risk_factors")
    found = date_or_none(found_on, "found_on") or deadlines.today()
    not_future(found, "found_on")
    count = _count(people_involved, "people_involved")
    built = _people(people)
    missing = []
    if not (description or "").strip():
        missing.append("情况描述（发现了什么）")
    if not built and count < 1:
        missing.append("至少一名涉及人员或涉及人数")
    if missing:
        raise PreconditionFailed(missing)
    _check_sweep(sweep, region, found)
    assert actor is not None  # _check_reporter refuses no actor
    with transaction.atomic():
        now = deadlines.now()
        year = timezone.localdate(now).year
        lead = Lead(
            organization=organization,
            region=region,
            region_path=region.path,
            channel=channel,
            sender=sender.strip(),
            sender_reference=sender_reference.strip(),
            found_on=found,
            place=place.strip(),
            dispute_type=dispute_type,
            description=description.strip(),
            people_involved=max(count, len(built)),
            risk_factors=sorted(set(risk_factors)),
            sweep=sweep,
            reported_by=actor,
            reported_at=now,
            year=year,
            seq=0,
            number="-",
        )
        full_clean(lead, exclude=["number", "seq", "year", "status", "reported_by"])
        lead.seq = next_number(organization, year, "lead")
        lead.number = LEAD_NUMBER_FORMAT.format(
            year=year, org=organization.short_code, seq=lead.seq
        )
        lead.save()
        for person in built:
            person.lead = lead
            person.save()
        lead.repeat_of, lead.repeat_case = find_repeat(lead, built)
        refresh_lead_risk(lead)
        lead.triage_due = deadlines.lead_triage_due(lead.risk_level, timezone.localdate(now))
        if channel == Channel.COURT:
            lead.feedback_due = found + dt.timedelta(days=PRE_LITIGATION_DAYS)
        lead.save()
        lead_rollup.changed(lead, None)  # the 排查 table's roll-up (SPEC §16), same transaction
        LeadEvent.objects.create(
            lead=lead,
            actor=actor,
            name="report",
            to_status=lead.status,
            at=now,
            ip=ip,
            data={
                "people": len(built),
                "risk_level": lead.risk_level,
                **({"repeat_of": lead.repeat_of.number} if lead.repeat_of else {}),
                **({"repeat_case": lead.repeat_case.pk} if lead.repeat_case else {}),
            },
        )
        if lead.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL):
            notify.lead_high_risk(lead)
    return lead


# --- transitions ----------------------------------------------------------------------------
@dataclass
class LeadChange:
    lead: Lead
    actor: User | None
    ip: str | None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def guard(missing: list[str]) -> None:
    if missing:
        raise PreconditionFailed(missing)


def lead_transition(
    lead: Lead,
    name: str,
    *,
    actor: User | None,
    version: int | None,
    ip: str | None = None,
    **data: Any,
) -> Lead:
    """Run transition `name` (LEAD_SPECS) on `lead` as seen at `version` (None: the copy's own).
    The caller's `lead` is updated to what was saved."""
    spec = LEAD_SPECS.get(name)
    if spec is None:
        raise NotFound(f"没有名为“{name}”的线索操作。")
    check_lead_role(actor, lead, spec.roles, spec.label)
    handler = _HANDLERS[name]
    try:  # unknown or missing arguments are bad input; a TypeError inside is a bug (500)
        inspect.signature(handler).bind(None, spec, **data)
    except TypeError as exc:
        raise InvalidInput(f"“{spec.label}”的参数有误：{exc}") from None
    expected = lead.version if version is None else version
    with transaction.atomic():
        try:
            locked = Lead.objects.select_for_update().get(pk=lead.pk)
        except Lead.DoesNotExist:
            raise NotFound("线索不存在。") from None
        if locked.version != expected:
            raise Conflict(STALE)
        if locked.status not in spec.sources:
            raise InvalidState(
                f"线索当前状态为“{locked.get_status_display()}”，不能办理“{spec.label}”。"
            )
        rollup_before = lead_rollup.current(locked)
        ch = LeadChange(lead=locked, actor=actor, ip=ip)
        from_status = locked.status
        handler(ch, spec, **data)
        locked.status = spec.target
        if from_status == LeadStatus.REPORTED and locked.triaged_at is None:
            locked.triaged_at = deadlines.now()
        locked.save()
        if not Lead.objects.filter(pk=locked.pk, version=expected).update(version=F("version") + 1):
            raise Conflict(STALE)
        locked.version = expected + 1
        lead_rollup.changed(locked, rollup_before)  # SPEC §16, same transaction
        LeadEvent.objects.create(
            lead=locked,
            actor=actor,
            name=name,
            from_status=from_status,
            to_status=locked.status,
            note=ch.note,
            data=ch.data,
            at=deadlines.now(),
            ip=ip,
        )
        lead_feedback(locked, name, actor=actor, ip=ip)  # the 反馈函 when it ends without a case
    lead.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return lead


def _note(value: object) -> str:
    return str(value or "").strip()


def _dispute_type(value: object) -> DisputeType | None:
    if value in (None, ""):
        return None
    if isinstance(value, DisputeType):
        return value
    found = DisputeType.objects.filter(taxonomy__is_current=True, code=str(value)).first()
    if found is None:
        raise InvalidInput(f"未知的纠纷类型：{value}", fields={"dispute_type": ["未知的纠纷类型"]})
    return found


def _organization(value: object) -> Organization | None:
    if value in (None, ""):
        return None
    if isinstance(value, Organization):
        return value
    found = (
        Organization.objects.filter(pk=int(str(value))).first() if str(value).isdigit() else None
    )
    if found is None:
        raise NotFound("调委会不存在。")
    return found


def case_parties(lead: Lead) -> list[dict[str, Any]]:
    """The lead's people as the case's parties: their own role, else the first applicant and
    the others respondents."""
    parties = []
    for i, person in enumerate(lead.people.all()):
        role = person.role or (PartyRole.APPLICANT if i == 0 else PartyRole.RESPONDENT)
        parties.append(
            {"role": role, "kind": PartyKind.PERSON, "name": person.name, "phone": person.phone}
        )
    if parties and not any(p["role"] == PartyRole.APPLICANT for p in parties):
        parties[0]["role"] = PartyRole.APPLICANT
    return parties


def case_summary(lead: Lead) -> str:
    place = f"（地点：{lead.place}）" if lead.place else ""
    return f"{lead.description}{place}"


def _to_case(
    ch: LeadChange,
    spec: LeadSpec,
    *,
    organization: object = None,
    dispute_type: object = None,
    summary: str = "",
) -> None:
    lead = ch.lead
    parties = case_parties(lead)
    guard([] if parties else ["涉及人员的姓名（至少一人，作为申请人）"])
    factors = {*lead.risk_factors, *(f.value for f in _automatic(lead))}
    factors.discard(RiskFactor.REPEAT_DISPUTE)  # the case detects its own repeats
    case = case_register(
        actor=ch.actor,
        organization=_organization(organization) or lead.organization,
        region=lead.region,
        dispute_type=_dispute_type(dispute_type) or lead.dispute_type,
        source=CASE_SOURCE.get(Channel(lead.channel), Source.OTHER),
        summary=_note(summary) or case_summary(lead),
        parties=parties,
        risk_factors=sorted(factors),
        ip=ch.ip,
    )
    lead.case = case
    ch.data["case"] = {"id": case.pk, "number": case.number}
    if lead.dispute_type_id is None:  # classified at conversion: the 排查 table's row too
        lead.dispute_type = case.dispute_type
        ch.data["dispute_type"] = case.dispute_type.code


def _resolve_on_site(ch: LeadChange, spec: LeadSpec, *, note: str = "") -> None:
    guard([] if _note(note) else ["化解情况（做了什么）"])
    ch.lead.outcome_note = ch.note = _note(note)


def _refer(
    ch: LeadChange,
    spec: LeadSpec,
    *,
    receiver: str = "",
    reason: str = "",
    feedback_due: object = None,
) -> None:
    due = date_or_none(feedback_due, "feedback_due")
    missing = []
    if receiver not in Receiver.values:
        missing.append("接收单位（派出所、信访、法院、劳动仲裁、住建、市场监管或其他）")
    if not _note(reason):
        missing.append("移交理由")
    if due is None:
        missing.append("反馈期限")
    elif due < deadlines.today():
        missing.append("反馈期限不能早于今天")
    guard(missing)
    lead = ch.lead
    lead.referral_receiver, lead.referral_reason, lead.feedback_due = receiver, _note(reason), due
    ch.note = lead.referral_reason
    ch.data = {"receiver": receiver, "feedback_due": str(due)}


def _watch(ch: LeadChange, spec: LeadSpec, *, note: str = "", next_check_on: object = None) -> None:
    on = date_or_none(next_check_on, "next_check_on")
    today = deadlines.today()
    latest = today + dt.timedelta(days=deadlines.LEAD_WATCH_MAX_DAYS)
    missing = []
    if not _note(note):
        missing.append("关注说明")
    if on is None:
        missing.append("下次核查日期")
    elif not today < on <= latest:
        missing.append(f"下次核查日期须在明天至{latest}之间（不超过30天）")
    guard(missing)
    ch.lead.next_check_on, ch.lead.outcome_note = on, _note(note)
    ch.note = _note(note)
    ch.data = {"next_check_on": str(on)}


def _close(ch: LeadChange, spec: LeadSpec, *, note: str = "") -> None:
    guard([] if _note(note) else ["核实情况说明（核实无纠纷）"])
    ch.lead.outcome_note = ch.note = _note(note)


_HANDLERS: dict[str, Callable[..., None]] = {
    "to_case": _to_case,
    "resolve_on_site": _resolve_on_site,
    "refer": _refer,
    "watch": _watch,
    "close": _close,
}


# --- the 反馈函 to the sender ----------------------------------------------------------------
def feedback_documents(case: Case, *, actor: User | None) -> list[tuple[str, None]]:
    """When a case registered from a referred-in lead (court, 110, 信访, 12345) ends: the FBK
    (矛盾纠纷调处情况反馈函) to schedule with the case's closing documents, once; the lead records
    that its feedback is sent (a `feedback` event). Called inside the closing transaction."""
    lead = Lead.objects.select_for_update().filter(case=case).first()
    if lead is None or not lead.expects_feedback or lead.feedback_sent_at is not None:
        return []
    now = deadlines.now()
    Lead.objects.filter(pk=lead.pk).update(feedback_sent_at=now, version=F("version") + 1)
    LeadEvent.objects.create(
        lead=lead,
        actor=actor,
        name="feedback",
        from_status=lead.status,
        to_status=lead.status,
        at=now,
        data={"document": "FBK", "case": case.number, "outcome": case.outcome},
    )
    return [("FBK", None)]


# Transitions that end a lead without a case: its sender gets the 反馈函 now (SPEC §13).
FEEDBACK_ENDS = frozenset({"resolve_on_site", "refer", "close"})


def lead_feedback(lead: Lead, name: str, *, actor: User | None, ip: str | None = None) -> None:
    """When a referred-in lead (court, 110, 信访, 12345) is resolved on site, referred onwards or
    closed: the FBK for the lead itself (no case; documents.context.lead_feedback_data says what
    happened), feedback sent, one `feedback` event — once. Called inside the transition's
    transaction, under the lead's row lock; the letter renders after commit."""
    if name not in FEEDBACK_ENDS or not lead.expects_feedback or lead.feedback_sent_at is not None:
        return
    now = deadlines.now()
    lead.feedback_sent_at = now
    Lead.objects.filter(pk=lead.pk).update(feedback_sent_at=now)
    (doc,) = lead_documents_schedule(lead, ["FBK"], actor=actor)
    LeadEvent.objects.create(
        lead=lead,
        actor=actor,
        name="feedback",
        from_status=lead.status,
        to_status=lead.status,
        at=now,
        ip=ip,
        data={"document": "FBK", "number": doc.number, "outcome": lead.status},
    )


# --- photos and the overdue mark ------------------------------------------------------------
PHOTO_ROLES = frozenset({Role.GRID_WORKER, Role.CLERK, Role.DIRECTOR, Role.MEDIATOR, Role.ADMIN})


def lead_photo_add(
    lead: Lead, *, actor: User | None, data: bytes, keep_location: bool = False
) -> LeadPhoto:
    """A photo (JPEG/PNG ≤ 5 MB, re-encoded by core.images without its location unless kept) in
    the private storage; at most LeadPhoto.MAX_PER_LEAD a lead, while the lead is open."""
    check_lead_role(actor, lead, PHOTO_ROLES, "上传照片")
    clean = images.clean_photo(data, keep_location=keep_location)
    assert actor is not None  # check_lead_role refuses no actor
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.status not in (LeadStatus.REPORTED, LeadStatus.WATCHING):
            raise InvalidState(f"线索已{locked.get_status_display()}，不能再上传照片。")
        if locked.photos.count() >= LeadPhoto.MAX_PER_LEAD:
            raise InvalidInput(
                f"每条线索最多上传{LeadPhoto.MAX_PER_LEAD}张照片。",
                fields={"file": [f"最多{LeadPhoto.MAX_PER_LEAD}张"]},
            )
        photo = LeadPhoto(
            lead=locked,
            content_type=clean.content_type,
            size=len(clean.data),
            sha256=clean.sha256,
            width=clean.width,
            height=clean.height,
            kept_location=keep_location,
            uploaded_by=actor,
        )
        photo.file.save(f"photo{clean.extension}", ContentFile(clean.data), save=False)
        photo.save()
        LeadEvent.objects.create(
            lead=locked,
            actor=actor,
            name="photo_add",
            from_status=locked.status,
            to_status=locked.status,
            data={"photo": photo.pk, "sha256": clean.sha256, "kept_location": keep_location},
        )
    return photo


def lead_mark_overdue(lead: Lead) -> bool:
    """Record (once per due date) that a lead passed its triage or check date, and tell the
    committee. True when newly marked."""
    due = deadlines.lead_due(lead.status, lead.triage_due, lead.next_check_on)
    if due is None or due >= deadlines.today():
        return False
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if LeadEvent.objects.filter(lead=locked, name="overdue", data__due=str(due)).exists():
            return False
        LeadEvent.objects.create(
            lead=locked,
            name="overdue",
            from_status=locked.status,
            to_status=locked.status,
            data={"due": str(due)},
        )
        notify.lead_overdue(locked, due)
    return True
