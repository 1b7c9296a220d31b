"""Registering a case (受理登记's first step): the one way a case comes into being."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cases import identity, scope
from cases.choices import PartyKind, PartyRole, Role
from cases.models import Case, DisputeType, Organization, Party, Region, new_party_code
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied, PreconditionFailed
from workflows import deadlines
from workflows.models import CaseEvent
from workflows.services.change import (
    Change,
    Imported,
    check_factors,
    clock,
    finish,
    full_clean,
    next_number,
    refresh_risk,
)
from workflows.services.inputs import date_or_none, decimal_or_none, not_future

# A second registration of the same parties and summary by the same user within this window
# asks first (DuplicateRegistration): a double click or a form sent twice, not a new case.
DUPLICATE_WINDOW = dt.timedelta(minutes=10)


class DuplicateRegistration(DomainError):
    """The same user registered the same case minutes ago; the caller confirms to go on."""

    code, http_status = "duplicate", 409

    def __init__(self, message: str, case: Case) -> None:
        super().__init__(message, fields={"confirm_duplicate": [message]})
        self.case = case


PARTY_FIELDS = (
    "role",
    "kind",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_type",
    "id_number",
    "id_country",
    "phone",
    "address",
    "occupation",
    "uscc",
    "legal_representative",
)


def build_party(case: Case, data: dict[str, Any]) -> Party:
    """A checked, unsaved party of `case` from the PARTY_FIELDS in `data`."""
    unknown = set(data) - set(PARTY_FIELDS) - {"id"}
    if unknown:
        raise InvalidInput(
            f"未知的当事人字段：{', '.join(sorted(unknown))}",
            fields={k: ["未知字段"] for k in unknown},
        )
    party = Party(case=case, **{k: v for k, v in data.items() if k in PARTY_FIELDS})
    full_clean(party, exclude=["case"])  # Party.clean checks the number by its type
    not_future(party.birth_date, "birth_date")
    if party.kind == PartyKind.PERSON and not (party.birth_date and party.gender):
        # Fewer keystrokes: what the resident ID number says, when the clerk left it blank.
        born, gender = identity.birth_and_gender(party.id_type, party.id_number)
        party.birth_date = party.birth_date or born
        party.gender = party.gender or gender
    return party


def _same_parties(parties: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted(
        (str(p.get("name") or "").strip(), identity.normalize(str(p.get("id_number") or "")))
        for p in parties
    )


def find_duplicate(
    actor: User | None, summary: str, parties: Sequence[dict[str, Any]]
) -> Case | None:
    """A case `actor` registered within DUPLICATE_WINDOW with the same summary and the same
    parties (names and id numbers), the newest first."""
    if actor is None or not actor.is_authenticated:
        return None
    recent = (
        Case.objects.filter(
            created_by=actor,
            registered_at__gte=timezone.now() - DUPLICATE_WINDOW,
            summary__in={summary, summary.strip()},
        )
        .order_by("-registered_at", "-pk")
        .prefetch_related("parties")  # two queries however many: a clerk typing one summary
    )
    wanted = _same_parties(parties)
    for case in recent:
        have = [{"name": p.name, "id_number": p.id_number} for p in case.parties.all()]
        if _same_parties(have) == wanted:
            found: Case = case  # Case is Any to mypy (its django_fsm base is untyped)
            return found
    return None


def _check_registrar(actor: User | None, organization: Organization | None) -> Organization:
    if organization is not None and (
        scope.is_admin(actor)
        or any(
            m.organization_id == organization.pk and m.role in (Role.CLERK, Role.DIRECTOR)
            for m in scope.memberships(actor)
        )
    ):
        return organization
    # a member in another role, or a supervisor above the committee: it exists for them (403)
    if (
        organization is not None
        and Organization.objects.filter(scope.organizations_q(actor), pk=organization.pk).exists()
    ):
        raise PermissionDenied("“登记”只能由登记员、调委会主任办理。")
    raise NotFound("调委会不存在。")


def case_register(
    *,
    actor: User | None,
    organization: Organization | None,
    region: Region | None,
    dispute_type: DisputeType | None,
    source: str,
    summary: str,
    requests: str = "",
    amount_involved: object = None,
    occurred_on: dt.date | None = None,
    parties: Sequence[dict[str, Any]] = (),
    risk_factors: Sequence[str] = (),
    application_kind: str = "written",
    confirm_duplicate: bool | None = None,
    ip: str | None = None,
    imported: Imported | None = None,
) -> Case:
    """`confirm_duplicate`: None (a caller that does not ask: the import has its own rule),
    False (the page and the API: a duplicate raises DuplicateRegistration, 409 `duplicate`),
    True (the user confirmed: register all the same)."""
    organization = _check_registrar(actor, organization)
    missing = []
    if region is None:
        missing.append("纠纷发生地")
    if dispute_type is None:
        missing.append("纠纷类型")
    if not (summary or "").strip():
        missing.append("纠纷简要情况")
    if not any(p.get("role") == PartyRole.APPLICANT for p in parties):
        missing.append("至少一名申请人")
    if missing or region is None:
        raise PreconditionFailed(missing)
    if not scope.in_committee_region(region.path, organization):  # SPEC §12
        message = (
            f"纠纷发生地须在{organization.name}所在区域"
            f"（{organization.region.full_name}）范围内，不能登记在“{region.full_name}”。"
        )
        raise InvalidInput(message, fields={"region": [message]})
    check_factors(list(risk_factors), "risk_factors")
    occurred_on = date_or_none(occurred_on, "occurred_on")
    not_future(occurred_on, "occurred_on")
    if confirm_duplicate is False and imported is None:
        earlier = find_duplicate(actor, summary, parties)
        if earlier is not None:
            minutes = max(1, round((timezone.now() - earlier.registered_at).total_seconds() / 60))
            raise DuplicateRegistration(
                f"您在 {minutes} 分钟前刚登记过相同的案件（案号{earlier.number}），"
                "确认要再登记一件吗？",
                earlier,
            )
    with clock(imported), transaction.atomic():
        now = deadlines.now()
        year = timezone.localdate(now).year
        case: Case = Case(  # Case() is Any to mypy (its django_fsm base is untyped)
            organization=organization,
            region=region,
            region_path=region.path,
            dispute_type=dispute_type,
            source=source,
            summary=summary,
            requests=requests,
            amount_involved=decimal_or_none(amount_involved, "amount_involved"),
            occurred_on=occurred_on,
            application_kind=application_kind,
            risk_factors=sorted(set(risk_factors)),
            registered_at=now,
            created_by=actor,
            updated_by=actor,
            year=year,
            seq=0,
            number="-",
            party_code=new_party_code(),  # printed on NOT and APP (SPEC §14)
        )
        # The foreign keys are rows the caller has read (the form's or serializer's choices):
        # not read again one by one (five queries of a registration).
        full_clean(
            case,
            exclude=["number", "seq", "year", "status"]
            + ["organization", "region", "dispute_type", "created_by", "updated_by"],
        )
        built = [build_party(case, p) for p in parties]
        case.seq = next_number(organization, year, "case")
        case.number = settings.TIAOJIE_NUMBER_FORMAT.format(
            year=year, org=organization.short_code, seq=case.seq
        )
        case.register()
        case.deadline = deadlines.stage_deadline(case, on=timezone.localdate(now))
        case.save()
        for party in built:
            party.case = case
            party.save()
        refresh_risk(case)
        case.save()
        change = Change(
            case=case,
            actor=actor,
            name="register",
            kind=CaseEvent.Kind.TRANSITION,
            data={"parties": len(built)},
            documents=[("APP", None)],
            imported=imported,
            ip=ip,
            at=now,
        )
        finish(change, before={}, old_level=None)
    case._update_initial_state()
    return case
