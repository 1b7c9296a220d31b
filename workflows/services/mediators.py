"""The mediator register (SPEC §15): entering and updating a mediator, adding a training, and
the alerts the SLA sweep sends. Who may: a director for the committees they direct, a
supervisor for the committees in their region, admins everywhere; a committee not in the
user's view is NotFound, one they see but may not manage PermissionDenied. The assignment rule
itself is county.register.assignment_problems, run by the accept and reassign guards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from cases import scope
from cases.choices import Role
from cases.models import Membership, Organization
from core.errors import InvalidInput, NotFound, PermissionDenied
from county import register
from county.models import MediatorRecord, Training
from workflows.models import Notification
from workflows.services.change import full_clean
from workflows.services.inputs import date_or_none

FIELDS = (
    "name",
    "gender",
    "birth_year",
    "id_type",
    "id_number",
    "phone",
    "kind",
    "grade",
    "appointed_on",
    "term_ends_on",
    "filed",
)
LABELS = {"held_on": "培训日期", "appointed_on": "聘任日期", "term_ends_on": "任期届满日期"}


def may_manage(user: scope.Viewer, organization: Organization) -> bool:
    if scope.is_admin(user):
        return True
    for m in scope.memberships(user):
        if m.role == Role.DIRECTOR and m.organization_id == organization.pk:
            return True
        if (
            m.role == Role.SUPERVISOR
            and m.region is not None
            and organization.region.path.startswith(m.region.path)
        ):
            return True
    return False


def records_visible_to(user: scope.Viewer) -> Q:
    """The register rows a user sees (a MediatorRecord filter): those of the committees the
    user belongs to or supervises."""
    if scope.is_admin(user):
        return Q()
    return Q(pk__in=MediatorRecord.objects.filter(
        organizations__in=Organization.objects.filter(scope.organizations_q(user))
    ).values("pk"))  # fmt: skip


def sees_id_in_full(user: scope.Viewer, record: MediatorRecord) -> bool:
    """SPEC §11: the committee's members and admins, and the mediator; supervisors masked."""
    if scope.is_admin(user) or (record.user_id and getattr(user, "pk", None) == record.user_id):
        return True
    orgs = {o.pk for o in record.organizations.all()}
    return any(m.role in (Role.DIRECTOR, Role.CLERK) and m.organization_id in orgs
               for m in scope.memberships(user))  # fmt: skip


def _organizations(actor: scope.Viewer, items: Iterable[Any]) -> list[Organization]:
    found = []
    visible = Organization.objects.filter(scope.organizations_q(actor)).select_related("region")
    for item in items:
        pk = item.pk if isinstance(item, Organization) else item
        org = visible.filter(pk=pk).first() if str(pk).isdigit() else None
        if org is None:
            raise NotFound("调委会不存在。", fields={"organizations": [f"调委会{pk}不存在"]})
        if not may_manage(actor, org):
            raise PermissionDenied(f"只有{org.name}的调委会主任或督导员可以维护其调解员名册。")
        found.append(org)
    if not found:
        raise InvalidInput(
            "请至少选择一个调委会。", fields={"organizations": ["请至少选择一个调委会"]}
        )
    return found


def _user(value: Any, organizations: list[Organization]) -> User | None:
    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else None
    if user is None and str(value).isdigit():
        user = User.objects.filter(pk=value).first()
    if (
        user is None
        or not Membership.objects.filter(
            user=user, organization__in=organizations, role__in=[Role.MEDIATOR, Role.DIRECTOR]
        ).exists()
    ):
        message = "该账号不是所选调委会的调解员"
        raise InvalidInput(message, fields={"user": [message]})
    return user


def _apply(record: MediatorRecord, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(FIELDS) - {"organizations", "user"}
    if unknown:
        raise InvalidInput(f"不认识的字段：{'、'.join(sorted(unknown))}")
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("appointed_on", "term_ends_on"):
            value = date_or_none(value, LABELS[name])
        elif name in ("birth_year", "grade"):
            value = _int(value, name)
        elif name == "filed":
            value = bool(value) and value not in ("0", "false", "False")
        elif value is None:
            value = ""
        setattr(record, name, value)


def _int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        label = {"birth_year": "出生年份", "grade": "等级"}[name]
        raise InvalidInput(f"{label}须为整数", fields={name: [f"{label}须为整数"]}) from None


def _save(record: MediatorRecord, actor: scope.Viewer, data: Mapping[str, Any]) -> MediatorRecord:
    with transaction.atomic():
        orgs = (
            _organizations(actor, data["organizations"])
            if "organizations" in data
            else list(record.organizations.select_related("region"))
        )
        _apply(record, data)
        if "user" in data:
            record.user = _user(data["user"], orgs)
        full_clean(record)
        if (
            record.user_id
            and MediatorRecord.objects.filter(user_id=record.user_id).exclude(pk=record.pk).exists()
        ):
            raise InvalidInput("该账号已对应名册中的另一名调解员", fields={"user": ["已被占用"]})
        record.save()
        record.organizations.set(orgs)
    return record


def mediator_register(*, actor: scope.Viewer, **data: Any) -> MediatorRecord:
    """A new register entry (`FIELDS`, `organizations`: committees or ids, optional `user`)."""
    if "organizations" not in data:
        data["organizations"] = []
    return _save(MediatorRecord(), actor, data)


def mediator_update(record: MediatorRecord, *, actor: scope.Viewer, **data: Any) -> MediatorRecord:
    check_manage(actor, record)
    return _save(record, actor, data)


def check_manage(actor: scope.Viewer, record: MediatorRecord) -> None:
    if not MediatorRecord.objects.filter(records_visible_to(actor), pk=record.pk).exists():
        raise NotFound("调解员不存在。")
    if not any(may_manage(actor, o) for o in record.organizations.select_related("region")):
        raise PermissionDenied("只有所在调委会的主任或督导员可以维护调解员名册。")


def training_add(
    record: MediatorRecord,
    *,
    actor: scope.Viewer,
    held_on: object,
    topic: str,
    hours: object,
    organiser: str,
) -> Training:
    check_manage(actor, record)
    try:
        amount = Decimal(str(hours).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            "学时须为数字，如 4 或 1.5", fields={"hours": ["学时须为数字"]}
        ) from None
    day = date_or_none(held_on, "held_on")
    if day is None:
        raise InvalidInput("请填写培训日期", fields={"held_on": ["请填写培训日期"]})
    training = Training(
        mediator=record,
        held_on=day,
        topic=(topic or "").strip(),
        hours=amount,
        organiser=(organiser or "").strip(),
        created_by=actor if isinstance(actor, User) else None,
    )
    full_clean(training, exclude=["mediator", "created_by"])
    training.save()
    return training


def mediator_alerts_send(today: dt.date) -> int:
    """The register's alerts (county.register.alerts_for) as notifications to the mediator and
    the directors of their committees, each once (the message names the date or year)."""
    sent = 0
    records = MediatorRecord.objects.prefetch_related("organizations")
    for record in records.iterator(chunk_size=200):
        for alert in register.alerts_for(record, today):
            users = list(
                User.objects.filter(
                    memberships__organization__in=record.organizations.all(),
                    memberships__role=Role.DIRECTOR,
                    is_active=True,
                ).distinct()
            )
            if record.user is not None:
                users.append(record.user)
            fresh = [
                u
                for u in dict.fromkeys(users)
                if not Notification.objects.filter(
                    user=u, case=None, message="【调解员名册】" + alert.message
                ).exists()
            ]
            if fresh:
                Notification.objects.bulk_create(
                    Notification(
                        user=u,
                        kind=Notification.Kind.DUE_SOON,
                        message="【调解员名册】" + alert.message,
                    )
                    for u in fresh
                )
                sent += 1
    return sent
