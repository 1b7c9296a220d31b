"""Who may see the supervision figures, and the one parser of (region, from, to) shared by the
pages, the exports and the API.

- Supervisors: any region of their subtree (the cases in it, by cases.scope).
- Directors and clerks: their committee's figures — the regions of their committee's village
  subtree, counting only their committee's cases (case_scope_q limits them to it).
- System administrators: every region.
- Anyone else (mediators, users without a membership): 403. A region outside the user's
  regions does not exist for them: 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import scope
from cases.choices import Role
from cases.models import Region
from core.errors import InvalidInput, NotFound, PermissionDenied
from supervision.stats import Selection
from workflows import deadlines

STATS_ROLES = {Role.SUPERVISOR, Role.DIRECTOR, Role.CLERK}
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)

# The command line (stats_export without --user) acts with the system's full scope, as the
# Django admin does; it is not a user and holds no membership.
OPERATOR = User(username="system", is_superuser=True)  # never saved


def may_view(user) -> bool:
    return scope.is_admin(user) or any(m.role in STATS_ROLES for m in scope.memberships(user))


def is_supervisor(user) -> bool:
    return any(m.role == Role.SUPERVISOR for m in scope.memberships(user))


def check_view(user) -> None:
    if not may_view(user):
        raise PermissionDenied(_("只有督导员、调委会主任、登记员和系统管理员可以查看统计。"))


def regions_for(user):
    """The regions the user may pick, in tree order."""
    return Region.objects.filter(scope.visible_regions_q(user)).order_by("path")


PICKER_LEVELS = 2  # levels below the user's top regions that the picker always lists


def picker(user, chosen: Region | str | None) -> list[tuple[Region, str]]:
    """The region picker's options in tree order, each with its indent: the user's top regions
    and PICKER_LEVELS levels below them, and around the chosen region its ancestors, its
    siblings and its children (a village is reached by choosing its township). A province's
    5,711 regions in one list are a select nobody can use, and 0.5 s to render. `chosen` may be
    the raw `region` parameter (a page that answers with an error, the audit pages): a visible
    region it names stays in the list."""
    regions = list(regions_for(user).only("pk", "name", "path", "parent_id"))
    if not isinstance(chosen, Region):
        raw = str(chosen or "").strip()
        chosen = next((r for r in regions if str(r.pk) == raw), None)
    top = min((r.path.count("/") for r in regions), default=0)
    parents = {chosen.pk, chosen.parent_id} if chosen else set()  # children and siblings
    path = chosen.path if chosen else None
    return [
        (r, "　" * (r.path.count("/") - top))
        for r in regions
        if r.path.count("/") - top <= PICKER_LEVELS
        or r.parent_id in parents
        or (path is not None and path.startswith(r.path))
    ]


def home_region(user) -> Region | None:
    """Where a user's pages open: the highest region they supervise, their committee's region,
    or the root of the tree for an administrator."""
    if scope.is_admin(user):
        return Region.objects.filter(parent=None).order_by("path").first()
    supervised = [
        m.region
        for m in scope.memberships(user)
        if m.role == Role.SUPERVISOR and m.region is not None
    ]
    if supervised:
        return min(supervised, key=lambda r: (r.path.count("/"), r.path))
    committees = [
        m.organization
        for m in scope.memberships(user)
        if m.role in STATS_ROLES and m.organization is not None
    ]
    return committees[0].region if committees else None


def region_for(user, raw) -> Region:
    raw = str(raw or "").strip()
    if not raw:
        region = home_region(user)
        if region is None:
            raise NotFound(_("没有可查看的区域。"))
        return region
    if not raw.isdigit():
        raise InvalidInput(_("区域须为区域编号（整数）。"), fields={"region": [_("须为整数")]})
    region = regions_for(user).filter(pk=int(raw)).first()
    if region is None:
        raise NotFound(_("区域不存在。"))
    return region


def parse_date(
    raw, name: str, default: dt.date | None, errors: dict, *, blank_ok: bool = True
) -> dt.date | None:
    if raw is not None and not str(raw).strip() and not blank_ok:
        errors[name] = [_("不能为空（省略该参数即使用默认值）")]
        return None
    raw = str(raw or "").strip()
    if not raw:
        return default
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_("不是有效日期（YYYY-MM-DD）")]
        return None
    if not EARLIEST <= value <= LATEST:
        errors[name] = [_("日期须在2000年至2099年之间")]
        return None
    return value


def selection(user, params, *, today: dt.date | None = None, blank_ok: bool = True) -> Selection:
    """(region, from, to) from query parameters. Defaults: the user's home region, 1 January
    of this year to today (a web form's blank field means the default; the API, whose schema
    says "date", refuses a blank value with `blank_ok=False`). Raises PermissionDenied (403), InvalidInput (400, with `fields`) or
    NotFound (404: a region outside the user's regions)."""
    check_view(user)
    today = today or deadlines.today()
    errors: dict = {}
    date_from = parse_date(
        params.get("from"), "from", today.replace(month=1, day=1), errors, blank_ok=blank_ok
    )
    date_to = parse_date(params.get("to"), "to", today, errors, blank_ok=blank_ok)
    if date_from and date_to and date_from > date_to:
        errors["to"] = [_("结束日期不能早于开始日期")]
    raw_region = params.get("region")
    if not blank_ok and raw_region is not None and not str(raw_region).strip():
        errors["region"] = [_("不能为空（省略该参数即使用默认值）")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("查询条件有误：%(error)s") % {"error": first}, fields=errors)
    assert date_from is not None and date_to is not None  # else an error was raised above
    return Selection(user, region_for(user, params.get("region")), date_from, date_to)


def region_lookup(value: str) -> Q:
    """For the command line: a region by id, full name or (unique) name."""
    if value.isdigit():
        return Q(pk=int(value))
    return Q(full_name=value) | Q(name=value)
