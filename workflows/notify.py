"""In-app notifications (and e-mail when configured). Rows are written in the caller's
transaction; e-mail goes out only after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet

from cases import scope
from cases.choices import ORG_ROLES, Role
from cases.models import display_name
from core.i18n import in_official_language
from workflows.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User as UserModel

    from cases.models import Agreement, Case, SupervisionNotice
    from screening.models import Lead, Sweep

User = get_user_model()


def _send(users: Iterable[UserModel], case: Case | None, kind: str, message: str) -> None:
    users = [u for u in dict.fromkeys(users) if u is not None]
    Notification.objects.bulk_create(
        [Notification(user=u, case=case, kind=kind, message=message) for u in users]
    )
    emails = [u.email for u in users if u.email]
    if emails and settings.EMAIL_HOST:
        transaction.on_commit(
            lambda: send_mail(f"[调解] {message}", message, None, emails, fail_silently=True)
        )


def supervisors_in_scope(case: Case) -> QuerySet[UserModel]:
    """Supervisors whose region is the case's region or one of its ancestors."""
    return supervisors_over([case.region_path])


def supervisors_over(region_paths: Iterable[str]) -> QuerySet[UserModel]:
    """Supervisors whose region is one of these regions (materialized paths) or an ancestor."""
    ancestors = sorted({p for path in region_paths for p in path.split("/") if p})
    return User.objects.filter(
        memberships__role=Role.SUPERVISOR, memberships__region_id__in=ancestors, is_active=True
    ).distinct()


def committee(
    case: Case, roles: Iterable[str] = (Role.DIRECTOR, Role.CLERK)
) -> QuerySet[UserModel]:
    return User.objects.filter(
        memberships__organization_id=case.organization_id,
        memberships__role__in=roles,
        is_active=True,
    ).distinct()


@in_official_language
def task_assigned(case: Case, users: Iterable[UserModel]) -> None:
    _send(users, case, Notification.Kind.TASK_ASSIGNED, f"{case.number}：您被指派为承办调解员")


@in_official_language
def task_opened(case: Case, title: str, users: Iterable[UserModel]) -> None:
    _send(users, case, Notification.Kind.TASK_ASSIGNED, f"{case.number}：新的待办任务“{title}”")


@in_official_language
def escalated(case: Case, from_name: str) -> None:
    _send(
        committee(case),
        case,
        Notification.Kind.TASK_ASSIGNED,
        f"{case.number}：{from_name}已将本案上报至本调委会，请受理办理",
    )


@in_official_language
def high_risk(case: Case) -> None:
    label = case.get_risk_level_display()
    _send(
        list(supervisors_in_scope(case)) + list(committee(case, (Role.DIRECTOR,))),
        case,
        Notification.Kind.HIGH_RISK,
        f"{case.number}：风险等级为“{label}”，请关注",
    )


@in_official_language
def overdue(case: Case) -> None:
    users = list(case.mediators.all()) + list(committee(case, (Role.DIRECTOR,)))
    _send(
        users,
        case,
        Notification.Kind.OVERDUE,
        f"{case.number}：{case.get_status_display()}阶段已超期（期限{case.deadline}）",
    )


@in_official_language
def due_soon(case: Case) -> None:
    users = list(case.mediators.all()) or list(committee(case))
    _send(
        users,
        case,
        Notification.Kind.DUE_SOON,
        f"{case.number}：{case.get_status_display()}阶段将于{case.deadline}到期",
    )


@in_official_language
def judicial_due_soon(agreement: Agreement, window_end: object) -> None:
    """SPEC §13: from day 25 of the 30 days, no 司法确认 application yet (sla_sweep, once)."""
    case = agreement.case
    _send(
        list(case.mediators.all()) + list(committee(case)),
        case,
        Notification.Kind.DUE_SOON,
        f"{case.number}：调解协议{agreement.number}的司法确认申请期限将于{window_end}届满，"
        "当事人需要司法确认的，请及时申请",
    )


@in_official_language
def supervision(case: Case, notice: SupervisionNotice) -> None:
    users = list(case.mediators.all()) + list(committee(case))
    _send(users, case, Notification.Kind.SUPERVISION, f"{case.number}：收到督办通知")


@in_official_language
def bulk_export(user: UserModel, count: int) -> None:
    """An export that showed more than TIAOJIE_BULK_EXPORT_ALERT cases' personal data in full
    (SPEC §11): at once to the supervisors over the exporting user's committees."""
    regions = [
        m.organization.region.path
        for m in scope.memberships(user)
        if m.role in ORG_ROLES and m.organization is not None
    ]
    _send(
        supervisors_over(regions),
        None,
        Notification.Kind.BULK_EXPORT,
        f"{display_name(user)}导出了{count}件案件的当事人个人信息，请关注",
    )


# --- 排查 (SPEC §13): leads have no case, so these rows carry none (the message names the lead)
def members_of(organization_id: int, roles: Iterable[str]) -> QuerySet[UserModel]:
    return User.objects.filter(
        memberships__organization_id=organization_id, memberships__role__in=roles, is_active=True
    ).distinct()


@in_official_language
def lead_high_risk(lead: Lead) -> None:
    """At once, to the committee and the supervisors over the lead's region."""
    committee_users = members_of(lead.organization_id, (Role.DIRECTOR, Role.CLERK))
    _send(
        list(committee_users) + list(supervisors_over([lead.region_path])),
        None,
        Notification.Kind.HIGH_RISK,
        f"排查线索{lead.number}：风险等级为“{lead.get_risk_level_display()}”，请立即研判处置",
    )


@in_official_language
def lead_overdue(lead: Lead, due: object) -> None:
    _send(
        members_of(lead.organization_id, (Role.DIRECTOR, Role.CLERK)),
        None,
        Notification.Kind.OVERDUE,
        f"排查线索{lead.number}：已超过研判/核查期限（{due}）",
    )


@in_official_language
def sweep_reminder(sweep: Sweep, users: Iterable[UserModel], unit_name: str) -> None:
    _send(
        users,
        None,
        Notification.Kind.DUE_SOON,
        f"排查活动“{sweep.name}”将于{sweep.ends_on}结束，{unit_name}尚未报告（有线索请上报，"
        "无线索请作零报告）",
    )


def unread_count(user: UserModel) -> int:
    return Notification.objects.filter(Q(user=user), read_at__isnull=True).count()
