"""Online applications (网上申请, SPEC §14): submitted by a party with a verified phone, routed
to the committee of the village where the dispute is, then registered as a case (nothing
retyped: the case starts with these data) or declined with a reason by that committee's clerks;
the applicant is told by SMS either way.

The services live here, beside the model, and not in workflows/services/: the model and the
SMS are the portal's and the portal sits above workflows (import-linter's layers), so
workflows may not import them. The registration itself is `workflows.services.case_register`,
the one way a case comes into being."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases import scope
from cases.choices import PartyKind, PartyRole, RegionLevel, Role, Source
from cases.models import PARTY_CODE_ALPHABET, Case, DisputeType, Organization, Region
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from portal import services
from portal.models import Application
from workflows import services as workflow_services
from workflows.services.registration import build_party

INTAKE_DAYS = 3  # SPEC §14: the applicant is answered within the 3-day intake term
PENDING_PER_PHONE = 3  # applications of one phone waiting for the committee at a time
PER_PHONE_PER_DAY = 5
PER_ADDRESS_PER_DAY = 10  # one client address (core/net.py), e.g. a shared village computer
REFERENCE_PREFIX = "W"
REFERENCE_LENGTH = 9  # + the prefix: 45 random bits from the party-code alphabet

APPLICANT_FIELDS = ("name", "gender", "id_type", "id_number", "id_country", "address")
RESPONDENT_FIELDS = ("name", "phone", "address")
HANDLERS = frozenset({Role.CLERK, Role.DIRECTOR})


@dataclass(frozen=True)
class Submitted:
    application: Application
    organization: Organization


def new_reference() -> str:
    while True:
        code = REFERENCE_PREFIX + "".join(
            secrets.choice(PARTY_CODE_ALPHABET) for _ in range(REFERENCE_LENGTH)
        )
        if not Application.objects.filter(reference=code).exists():
            return code


def route(region: Region | None) -> Organization:
    """The committee of the village `region` (SPEC §14 routing); a plain refusal otherwise."""
    if region is None or region.level != RegionLevel.VILLAGE:
        message = "请选择纠纷发生地所在的村（社区）。"
        raise InvalidInput(message, fields={"region": [message]})
    organization: Organization | None = (
        Organization.objects.filter(region=region).order_by("pk").first()
    )
    if organization is None:
        message = (
            f"“{region.full_name or region.name}”还没有人民调解委员会在网上受理申请，"
            "请选择相邻的村（社区），或到所在乡镇（街道）调委会申请。"
        )
        raise InvalidInput(message, fields={"region": [message]})
    return organization


def _party(
    role: str, data: dict[str, Any], allowed: tuple[str, ...], prefix: str
) -> dict[str, str]:
    """The party fields kept for registration, checked as `case_register` will check them
    (cases/identity.py through Party.clean); errors named `applicant.id_number` …"""
    unknown = set(data) - set(allowed)
    if unknown:
        raise InvalidInput(
            f"未知的字段：{', '.join(sorted(unknown))}",
            fields={f"{prefix}.{k}": ["未知字段"] for k in sorted(unknown)},
        )
    kept = {k: str(v or "").strip() for k, v in data.items() if k in allowed}
    kept = {k: v for k, v in kept.items() if v}
    if not kept.get("name"):
        message = (
            "请填写申请人的姓名。" if role == PartyRole.APPLICANT else "请填写对方的姓名或名称。"
        )
        raise InvalidInput(message, fields={f"{prefix}.name": [message]})
    fields = {"role": role, "kind": PartyKind.PERSON, **kept}
    try:
        party = build_party(None, fields)  # type: ignore[arg-type] # checked without a case
    except InvalidInput as refused:
        named = {f"{prefix}.{k}": v for k, v in (refused.fields or {}).items()}
        raise InvalidInput(refused.message, fields=named) from None
    if "id_type" in allowed:
        kept["id_type"] = str(party.id_type)
    if "id_number" in kept:
        kept["id_number"] = party.id_number
    return kept


def _limits(phone: str, ip: str, now: dt.datetime) -> None:
    mine = Application.objects.filter(phone=phone)
    if mine.filter(status=Application.Status.PENDING).count() >= PENDING_PER_PHONE:
        raise services.TooManyRequests(
            f"这个手机号码已有{PENDING_PER_PHONE}件申请在等调委会处理，"
            "请等处理结果短信后再申请，或直接联系调委会。"
        )
    day = now - dt.timedelta(days=1)
    if mine.filter(submitted_at__gte=day).count() >= PER_PHONE_PER_DAY:
        raise services.TooManyRequests("这个手机号码今天提交的申请已达上限，请明天再试。")
    if ip and Application.objects.filter(ip=ip, submitted_at__gte=day).count() >= (
        PER_ADDRESS_PER_DAY
    ):
        raise services.TooManyRequests("这台设备（网络）今天提交的申请太多，请明天再试。")


def application_submit(
    *,
    phone: object,
    sms_code: object,
    applicant: dict[str, Any],
    respondent: dict[str, Any],
    region: Region | None,
    dispute_type: DisputeType | None,
    facts: str,
    requests: str,
    rights_acknowledged: bool,
    ip: str = "",
) -> Submitted:
    """Check everything first (a typing error does not use up the SMS code), then the abuse
    limits, then the code; the application waits for its committee's clerks."""
    number = services.normalize_phone(phone)
    kept_applicant = _party(PartyRole.APPLICANT, dict(applicant), APPLICANT_FIELDS, "applicant")
    kept_respondent = _party(
        PartyRole.RESPONDENT, dict(respondent), RESPONDENT_FIELDS, "respondent"
    )
    organization = route(region)
    if dispute_type is None:
        raise InvalidInput("请选择纠纷类型。", fields={"dispute_type": ["请选择纠纷类型。"]})
    facts, requests = str(facts or "").strip(), str(requests or "").strip()
    if not facts:
        raise InvalidInput("请写一写发生了什么事。", fields={"facts": ["请写一写发生了什么事。"]})
    if not requests:
        message = "请写一写您希望怎样解决。"
        raise InvalidInput(message, fields={"requests": [message]})
    if rights_acknowledged is not True:
        message = "请先阅读权利义务告知，并勾选“我已阅读并知晓”。"
        raise InvalidInput(message, fields={"rights_acknowledged": [message]})
    now = timezone.now()
    with transaction.atomic():
        _limits(number, ip, now)
    services.phone_check(phone=number, code=sms_code)
    kept_applicant["phone"] = number
    assert region is not None
    application = Application.objects.create(
        reference=new_reference(),
        phone=number,
        applicant=kept_applicant,
        respondent=kept_respondent,
        region=region,
        organization=organization,
        dispute_type=dispute_type,
        facts=facts,
        requests=requests,
        rights_acknowledged=True,
        submitted_at=now,
        intake_due=timezone.localdate(now) + dt.timedelta(days=INTAKE_DAYS),
        ip=ip,
    )
    return Submitted(application=application, organization=organization)


# --- reads -------------------------------------------------------------------------------------


def visible_q(user: Any) -> Q:
    """Who sees an application: its committee's members, supervisors over its village, admins
    (the same reach as the cases of that committee)."""
    if scope.is_admin(user):
        return Q()
    parts = Q(pk__in=[])
    for m in scope.memberships(user):
        if m.organization_id is not None:
            parts |= Q(organization_id=m.organization_id)
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts |= Q(region__path__startswith=m.region.path)
    return parts


def applications_for(user: Any) -> QuerySet[Application]:
    return Application.objects.filter(visible_q(user)).select_related(
        "organization", "region", "dispute_type", "case"
    )


def _handler_organizations(user: Any) -> set[int]:
    return set().union(*(scope.organizations_by_role(user).get(r, set()) for r in HANDLERS))


def handled_by(user: Any) -> QuerySet[Application]:
    """The applications (any status) of the committees where `user` is a clerk or director."""
    qs = applications_for(user)
    return (
        qs if scope.is_admin(user) else qs.filter(organization_id__in=_handler_organizations(user))
    )


def pending_for_handler(user: Any) -> QuerySet[Application]:
    """The pending applications `user` may register or decline (the 待办 list); an admin is no
    committee's clerk: nothing for them in 待办."""
    if scope.is_admin(user):
        return Application.objects.none()
    return (
        handled_by(user)
        .filter(status=Application.Status.PENDING)
        .order_by("intake_due", "submitted_at", "pk")
    )


def may_handle(user: Any, application: Application) -> bool:
    return scope.is_admin(user) or application.organization_id in _handler_organizations(user)


def check_handler(user: Any, application: Application, label: str) -> None:
    """NotFound outside its committee's reach; PermissionDenied for a role that does not
    register (a mediator, a supervisor)."""
    if not applications_for(user).filter(pk=application.pk).exists():
        raise NotFound("申请不存在。")
    if not may_handle(user, application):
        raise PermissionDenied(f"“{label}”只能由登记员、调委会主任办理。")


# --- the clerk's answer ------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    locked: Application = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != Application.Status.PENDING:
        raise InvalidState(f"该申请已{locked.get_status_display()}，不能再办理。")
    return locked


def application_register(application: Application, *, actor: User, ip: str | None = None) -> Case:
    """The case, registered by `actor` with the applicant as 申请人 and the other party as
    被申请人 (the respondent without an ID: `case_register` takes a party without one, and
    the clerk completes it later with 更正当事人信息 if needed)."""
    check_handler(actor, application, "登记")
    with transaction.atomic():
        locked = _locked(application)
        parties = [
            {**locked.applicant, "role": PartyRole.APPLICANT, "kind": PartyKind.PERSON},
            {**locked.respondent, "role": PartyRole.RESPONDENT, "kind": PartyKind.PERSON},
        ]
        case = workflow_services.case_register(
            actor=actor,
            organization=locked.organization,
            region=locked.region,
            dispute_type=locked.dispute_type,
            source=Source.APPLICATION,
            summary=locked.facts,
            requests=locked.requests,
            parties=parties,
            application_kind="written",
            ip=ip,
        )
        locked.status = Application.Status.REGISTERED
        locked.case = case
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.save(update_fields=["status", "case", "handled_by", "handled_at"])
        services.sms_enqueue(
            phone=locked.phone,
            template="application_registered",
            params={
                "reference": locked.reference,
                "organization": locked.organization.name,
                "case_code": case.party_code,
            },
            case=case,
        )
    application.refresh_from_db()
    return case


def application_decline(application: Application, *, actor: User, reason: str) -> Application:
    check_handler(actor, application, "不予受理")
    reason = str(reason or "").strip()
    if not reason:
        message = "请填写不予受理的理由（会用短信告诉申请人）。"
        raise InvalidInput(message, fields={"reason": [message]})
    if len(reason) > 200:
        message = "理由请写在200字以内（会用短信发送）。"
        raise InvalidInput(message, fields={"reason": [message]})
    with transaction.atomic():
        locked = _locked(application)
        locked.status = Application.Status.DECLINED
        locked.decline_reason = reason
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.save(update_fields=["status", "decline_reason", "handled_by", "handled_at"])
        services.sms_enqueue(
            phone=locked.phone,
            template="application_declined",
            params={
                "reference": locked.reference,
                "organization": locked.organization.name,
                "reason": reason,
            },
        )
    application.refresh_from_db()
    return application
