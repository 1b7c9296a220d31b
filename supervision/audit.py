"""The event log of a region subtree (SPEC §4 events), filtered for the audit page and its
export. Scope is the cases' scope: an event of a case the user cannot see does not exist."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from cases.scope import case_scope_q
from core.errors import InvalidInput
from supervision import access
from supervision.stats import TZ, prefixed
from workflows.models import CaseEvent
from workflows.selectors import event_labels

PAGE_SIZE = 50
M = TypeVar("M", bound=Model)


def parse(user, params) -> dict:
    """Cleaned filters: region (404 outside the user's regions), actor, case, kind, name, and
    an optional period on the event time (local dates, inclusive)."""
    access.check_view(user)
    errors: dict = {}
    date_from = access.parse_date(params.get("from"), "from", None, errors)
    date_to = access.parse_date(params.get("to"), "to", None, errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = [_("结束日期不能早于开始日期")]
    kind = (params.get("kind") or "").strip()
    if kind and kind not in CaseEvent.Kind.values:
        errors["kind"] = [_("未知的类别")]
    name = (params.get("name") or "").strip()
    if name and name not in event_labels():
        errors["name"] = [_("未知的事项")]
    page = (params.get("page") or "1").strip()
    if not page.isdigit() or int(page) < 1:
        errors["page"] = [_("页码须为正整数")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("查询条件有误：%(error)s") % {"error": first}, fields=errors)
    return {
        "region": access.region_for(user, params.get("region")),
        "from": date_from,
        "to": date_to,
        "actor": (params.get("actor") or "").strip(),
        "case": (params.get("case") or "").strip(),
        "kind": kind,
        "name": name,
        "page": int(page),
    }


def events(user, f: dict) -> QuerySet[CaseEvent]:
    q = prefixed(case_scope_q(user) & Q(region_path__startswith=f["region"].path), "case__")
    qs = CaseEvent.objects.filter(q).select_related("case", "actor")
    if f["from"]:
        qs = qs.filter(at__gte=dt.datetime.combine(f["from"], dt.time.min, TZ))
    if f["to"]:
        qs = qs.filter(at__lt=dt.datetime.combine(f["to"] + dt.timedelta(days=1), dt.time.min, TZ))
    if f["actor"]:
        a = f["actor"]
        qs = qs.filter(
            Q(actor__username__icontains=a)
            | Q(actor__first_name__icontains=a)
            | Q(actor__last_name__icontains=a)
        )
    if f["case"]:
        qs = qs.filter(case__number__icontains=f["case"])
    if f["kind"] == CaseEvent.Kind.IMPORTED:  # events of past cases entered from a register
        qs = qs.filter(data__imported=True)
    elif f["kind"]:
        qs = qs.filter(kind=f["kind"])
    if f["name"]:
        qs = qs.filter(name=f["name"])
    return qs.order_by("-at", "-id")


def page(qs: QuerySet[M], number: int) -> tuple[list[M], bool]:
    """One page and whether another follows (the audit log and the access log). No COUNT(*):
    over millions of rows a count costs more than the page."""
    start = (number - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
