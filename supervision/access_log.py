"""The personal-data access log (SPEC §11 "Who read whom", 个人信息访问记录): the one writer and
the one query, used by the 访问记录 page, its CSV and `GET /api/v1/access-log/`.

Writing. `record` is called once by each place that shows unmasked personal data: the case page,
the API case detail, a PDF download (page and API), the case-list export, a register upload
(page and `import_cases`). For one case the rule of `cases.scope.sees_personal_data` decides: a
masked view (a supervisor's) is not a read of personal data and leaves no record. An export
records how many of its cases it showed in full (`personal_count`) and its filter; above
`settings.TIAOJIE_BULK_EXPORT_ALERT` the supervisors over the exporting user's committee are
notified at once (workflows.notify.bulk_export). Records are append-only (supervision.models).

Reading. Directors see the records of their committee's cases and the exports and imports of
their committee's people; supervisors the same for the committees and cases of their region
subtree; system administrators everything; everyone else 403. A record of a case outside the
viewer's reach never appears.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Iterator
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import scope
from cases.choices import ORG_ROLES, Role
from cases.models import Case, Membership, display_name
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.spreadsheet import csv_stream
from supervision import access
from supervision.models import AccessRecord
from supervision.stats import TZ, prefixed
from workflows import notify

Kind = AccessRecord.Kind
VIEW_ROLES = frozenset({Role.DIRECTOR, Role.SUPERVISOR})
DETAIL_MAX = AccessRecord._meta.get_field("detail").max_length or 300


# --- writing ------------------------------------------------------------------------------
def record(
    user,
    *,
    kind: str,
    ip: str | None = None,
    case: Case | None = None,
    cases_count: int = 0,
    detail: str = "",
) -> AccessRecord | None:
    """Write one access record, or nothing when nothing personal was shown: a case the user
    sees masked, an export without a single unmasked case. Returns the record written."""
    if not isinstance(user, User) or user.pk is None:
        return None
    if case is not None and not scope.sees_personal_data(user, case):
        return None
    if kind == Kind.EXPORT and cases_count < 1:
        return None
    row = AccessRecord.objects.create(
        user=user,
        kind=kind,
        ip=_valid_ip(ip),
        case=case,
        cases_count=max(cases_count, 0),
        detail=str(detail or "")[:DETAIL_MAX],
    )
    if kind == Kind.EXPORT and cases_count > settings.TIAOJIE_BULK_EXPORT_ALERT:
        notify.bulk_export(user, cases_count)
    return row


def personal_count(user, cases: QuerySet[Case]) -> int:
    """How many of `cases` (an export's rows) the user sees with personal data in full."""
    return cases.filter(scope.personal_data_q(user)).count()


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


# --- who reads which records --------------------------------------------------------------
def may_view(user) -> bool:
    return scope.is_admin(user) or any(m.role in VIEW_ROLES for m in scope.memberships(user))


def check_view(user) -> None:
    if not may_view(user):
        raise PermissionDenied(_("只有调委会主任、督导员和系统管理员可以查看个人信息访问记录。"))


def _reach(user) -> list[tuple[Q, Q]]:
    """For each director or supervisor membership: (its cases, its committees' memberships)."""
    parts = []
    for m in scope.memberships(user):
        if m.role == Role.DIRECTOR and m.organization_id is not None:
            parts.append(
                (Q(organization_id=m.organization_id), Q(organization_id=m.organization_id))
            )
        elif m.role == Role.SUPERVISOR and m.region is not None:
            parts.append(
                (
                    Q(region_path__startswith=m.region.path),
                    Q(organization__region__path__startswith=m.region.path),
                )
            )
    return parts


def cases_q(user) -> Q:
    """The cases whose access records the user may read (a Case filter)."""
    if scope.is_admin(user):
        return Q()
    return reduce(or_, (cases for cases, _members in _reach(user)), Q(pk__in=[]))


def scope_q(user) -> Q:
    """The access records the user may read (an AccessRecord filter): those of a case in
    reach, and those without a case (exports, imports) by a member of a committee in reach."""
    if scope.is_admin(user):
        return Q()
    parts = []
    for cases, committees in _reach(user):
        members = Membership.objects.filter(committees, role__in=ORG_ROLES).values("user_id")
        parts.append(prefixed(cases, "case__") | Q(case=None, user_id__in=members))
    return reduce(or_, parts, Q(pk__in=[]))


# --- filters and the query ----------------------------------------------------------------
def _text(params, name: str, errors: dict) -> str:
    value = str(params.get(name) or "").strip()
    if "\x00" in value:
        errors[name] = [_("含有无效字符")]
        return ""
    return value[:100]


def _id(params, name: str, errors: dict) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    raw = str(raw).strip()
    # ASCII digits only ("²".isdigit() is true), and short enough for the database's integer.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) >= 1):
        errors[name] = [_("须为正整数")]
        return None
    return int(raw)


def parse(user, params, *, api: bool = False) -> dict:
    """Cleaned filters. The page: `case` (number contains), `user` (username or name contains),
    `from`, `to` (local dates, inclusive), `page`. The API (`api=True`): `case` and `user` are
    ids, a blank value is refused, a case outside the user's reach is NotFound (404); its pages
    are the API's pagination. Raises PermissionDenied (403) or InvalidInput (400, `fields`)."""
    check_view(user)
    errors: dict = {}
    date_from = access.parse_date(params.get("from"), "from", None, errors, blank_ok=not api)
    date_to = access.parse_date(params.get("to"), "to", None, errors, blank_ok=not api)
    if date_from and date_to and date_from > date_to:
        errors["to"] = [_("结束日期不能早于开始日期")]
    f: dict = {"from": date_from, "to": date_to, "case": "", "user": "", "page": 1}
    f |= {"case_id": None, "user_id": None}
    if api:
        f["case_id"] = _id(params, "case", errors)
        f["user_id"] = _id(params, "user", errors)
    else:
        f["case"] = _text(params, "case", errors)
        f["user"] = _text(params, "user", errors)
        page = str(params.get("page") or "1").strip()
        if not (page.isascii() and page.isdigit() and len(page) <= 9 and int(page) >= 1):
            errors["page"] = [_("页码须为正整数")]
        else:
            f["page"] = int(page)
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("查询条件有误：%(error)s") % {"error": first}, fields=errors)
    if (
        f["case_id"] is not None
        and not Case.objects.filter(cases_q(user), pk=f["case_id"]).exists()
    ):
        raise NotFound(_("案件不存在。"))
    return f


def records(user, f: dict) -> QuerySet[AccessRecord]:
    qs = AccessRecord.objects.filter(scope_q(user)).select_related("user", "case")
    if f["from"]:
        qs = qs.filter(at__gte=dt.datetime.combine(f["from"], dt.time.min, TZ))
    if f["to"]:
        qs = qs.filter(at__lt=dt.datetime.combine(f["to"] + dt.timedelta(days=1), dt.time.min, TZ))
    if f["case_id"] is not None:
        qs = qs.filter(case_id=f["case_id"])
    if f["user_id"] is not None:
        qs = qs.filter(user_id=f["user_id"])
    if f["case"]:
        qs = qs.filter(case__number__icontains=f["case"])
    if f["user"]:
        who = f["user"]
        qs = qs.filter(
            Q(user__username__icontains=who)
            | Q(user__first_name__icontains=who)
            | Q(user__last_name__icontains=who)
        )
    return qs.order_by("-at", "-id")


# --- CSV ----------------------------------------------------------------------------------
def csv_header() -> list[str]:
    return [_("时间"), _("用户名"), _("姓名"), "IP", _("类别"), _("案号"), _("案件数"), _("说明")]


def csv_row_of(r: AccessRecord) -> list:
    return [
        timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S"),
        r.user.username,
        display_name(r.user),
        r.ip or "",
        r.get_kind_display(),
        r.case.number if r.case else "",
        r.cases_count,
        r.detail,
    ]


def csv_lines(rows: Iterable[AccessRecord]) -> Iterator[str]:
    """CSV lines for a streaming response (core.spreadsheet.csv_stream: formula-safe cells)."""
    return csv_stream(csv_header(), (csv_row_of(r) for r in rows))
