"""Reads shared by the web pages, the API and the exports: the case lists, which changes a
user may start on a case, the names of events. Scope always starts from cases.scope; nothing
here widens it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases import scope
from cases.choices import OPEN_STATUSES, RiskLevel
from cases.models import Case, Organization, Party, Region
from cases.scope import Viewer
from workflows import deadlines
from workflows.services.actions import ACTIONS
from workflows.transitions import SPECS, fsm_method


def allowed_transitions(case: Case, user: Viewer) -> list[str]:
    """Transitions this user may start from the current state (guards are not evaluated here:
    a guard that fails explains itself when tried)."""
    roles = scope.effective_roles(user, case)
    return [
        name
        for name, spec in SPECS.items()
        if roles & spec.roles and can_proceed(getattr(case, fsm_method(name)))
    ]


def allowed_actions(case: Case, user: Viewer) -> list[str]:
    """Audited actions this user may take on the case now (guards are checked when tried)."""
    roles = scope.effective_roles(user, case)
    return [
        name
        for name, rule in ACTIONS.items()
        if roles & rule.roles and (rule.states is None or case.status in rule.states)
    ]


def event_labels() -> dict[str, str]:
    """Every event name and its label: the timeline, the audit page's filter and its export."""
    labels = {"register": _("登记"), "overdue": _("超期"), "party_rating": _("当事人评价")}
    labels |= {name: spec.label for name, spec in SPECS.items()}
    labels |= {name: rule.label for name, rule in ACTIONS.items()}
    # 签署协议 (SPEC §14, portal/signing.py)
    labels |= {
        "agreement_draft": _("拟定协议草稿"),
        "agreement_signed": _("当事人在线签署协议"),
        "agreement_paper_signature": _("标记纸质签名"),
    }
    return labels


def event_label(name: str) -> str:
    return event_labels().get(name, name)


def cases_for(user: Viewer) -> QuerySet[Case]:
    """Visible cases with what a summary shows, in a constant number of queries per page.
    `overdue`/`due_soon` come from the same Q objects as the dashboards, not a second rule."""
    # typed here: Case.objects is Any to mypy (Case has an untyped django_fsm base)
    cases: QuerySet[Case] = (
        Case.objects.visible_to(user)
        .select_related("organization", "region", "dispute_type")
        .annotate(
            is_overdue=SqlCase(
                When(deadlines.overdue_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_due_soon=SqlCase(
                When(deadlines.due_soon_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    return cases


def case_detail_for(user: Viewer) -> QuerySet[Case]:
    return cases_for(user).prefetch_related("parties", "mediators", "documents")


def search(queryset: QuerySet[Case], user: Viewer, q: str) -> QuerySet[Case]:
    """Case number, party name, or party phone. A phone only matches where the user may see it
    in full: otherwise a supervisor could confirm a masked number by searching for it."""
    parties = Party.objects.filter(case=OuterRef("pk"))
    return queryset.filter(
        Q(number__icontains=q)
        | _name_q(q)
        | (Q(Exists(parties.filter(phone__contains=q))) & scope.personal_data_q(user))
    )


def _name_q(q: str) -> Q:
    """Cases with a party whose name contains `q`. On PostgreSQL the candidates come from the
    GIN index of each name's characters (cases/migrations/0011_party_name_chars.py: a name
    holding every character of `q`), then LIKE checks the order: one index read however short
    `q` is — a surname like 张 is one character, where a trigram index cannot help."""
    if connection.vendor != "postgresql":
        return Q(Exists(Party.objects.filter(case=OuterRef("pk"), name__icontains=q)))
    chars = Func(
        Lower("name"), Value(None), function="string_to_array", output_field=ArrayField(TextField())
    )
    matching = (
        Party.objects.annotate(_chars=chars)
        .filter(_chars__contains=sorted(set(q.lower())), name__icontains=q)
        .values("case_id")
    )
    return Q(pk__in=matching)


def organizations_for(user: Viewer) -> QuerySet[Organization]:
    return Organization.objects.filter(scope.organizations_q(user)).select_related("region")


def filter_cases(cases: QuerySet[Case], user: Viewer, f: dict[str, Any]) -> QuerySet[Case]:
    """The list filters of SPEC §8/§9, one implementation for the case list page and the API.
    `f` holds cleaned values: status, region (a Region), dispute_type (code), overdue (bool),
    risk, q; and the shortcuts the home cards link to (`list_shortcuts`): risk_min (a level:
    that level and above), open (bool: an open state), mine (bool: the user is a mediator of
    the case), due ("soon": the same rule as 即将到期)."""
    if f.get("status"):
        cases = cases.filter(status=f["status"])
    if f.get("region"):
        cases = cases.filter(region_path__startswith=f["region"].path)
    if f.get("dispute_type"):
        cases = cases.filter(dispute_type__code=f["dispute_type"])
    if f.get("overdue") is True:
        cases = cases.filter(deadlines.overdue_q())
    elif f.get("overdue") is False:
        cases = cases.exclude(deadlines.overdue_q())
    if f.get("risk"):
        cases = cases.filter(risk_level=f["risk"])
    if f.get("risk_min"):
        cases = cases.filter(risk_level__in=risk_at_least(f["risk_min"]))
    if f.get("open") is True:
        cases = cases.filter(status__in=OPEN_STATUSES)
    if f.get("mine") is True:
        pk = getattr(user, "pk", None)
        cases = cases.filter(mediators__pk=pk) if pk else cases.none()
    if f.get("due") == "soon":
        cases = cases.filter(deadlines.due_soon_q())
    if (f.get("q") or "").strip():
        cases = search(cases, user, f["q"].strip())
    return cases


# What the case tallies hold (rollups.CaseTally), and the paging parameters that filter nothing.
TALLY_FILTERS = frozenset({"status", "risk", "risk_min", "open", "region", "page", "page_size"})


def tally_count(
    user: Viewer,
    f: Mapping[str, Any],
    read_table: Callable[[], Mapping[tuple[str, str], int]] | None = None,
) -> int | None:
    """The exact number of cases `filter_cases(cases_for(user), user, f)` lists, from the case
    tallies that each change keeps in its transaction (SPEC §16: a county's 200,000 cases are
    not counted on every page), when `f` narrows by nothing but status, risk, open, region;
    None otherwise, and the list counts its rows. The scope is the cases' own rule
    (scope.case_scope_q: a committee, or a region's subtree, by the fields the tallies share).
    Without a region the count is summed from `tally_table(user)` (`read_table`, when the
    caller answers several filters — the home cards — from one read)."""
    if not tally_holds(f):
        return None
    table: Mapping[tuple[str, str], int]
    if f.get("region"):
        table = tally_table(user, f["region"])
    else:
        table = read_table() if read_table is not None else tally_table(user)
    statuses = {f["status"]} if f.get("status") else None
    if f.get("open") is True:
        opened = {str(s) for s in OPEN_STATUSES}
        statuses = opened if statuses is None else statuses & opened
    risks = {f["risk"]} if f.get("risk") else None
    if f.get("risk_min"):
        at_least = set(risk_at_least(f["risk_min"]))
        risks = at_least if risks is None else risks & at_least
    return sum(
        n
        for (status, risk), n in table.items()
        if (statuses is None or status in statuses) and (risks is None or risk in risks)
    )


def tally_holds(f: Mapping[str, Any]) -> bool:
    """Whether the case tallies can count the list `f` filters: it narrows by nothing but
    status, risk, open and region."""
    for name, value in f.items():
        if name in TALLY_FILTERS:
            continue
        if name == "overdue":  # False narrows too: the cases not overdue
            narrows = value is not None
        elif name == "q":
            narrows = bool((value or "").strip())
        else:
            narrows = bool(value)
        if narrows:
            return False
    return True


def tally_table(user: Viewer, region: Region | None = None) -> dict[tuple[str, str], int]:
    """The user's cases (within `region`'s subtree if given) by (status, risk level), from the
    case tallies: one read of at most 7 × 4 rows that answers every tally_count."""
    from rollups.models import CaseTally

    tallies = CaseTally.objects.filter(scope.case_scope_q(user))
    if region is not None:
        tallies = tallies.filter(region_path__startswith=region.path)
    rows = tallies.values("status", "risk_level").annotate(n=Sum("n")).order_by()
    return {(row["status"], row["risk_level"]): int(row["n"]) for row in rows}


RISK_ORDER = [str(level) for level in RiskLevel]  # low → critical


def risk_at_least(level: str) -> list[str]:
    return RISK_ORDER[RISK_ORDER.index(level) :] if level in RISK_ORDER else []


def list_shortcuts(params: Mapping[str, Any]) -> dict[str, Any]:
    """The case-list parameters a home card uses beyond the filter form's own fields, cleaned:
    `risk_min=high` (高 and 重大), `open=yes`, `mine=yes`, `due=soon`. A value it does not know is
    left out (the list is then not narrowed by it), never an error page."""
    f: dict[str, Any] = {}
    if params.get("risk_min") in RISK_ORDER:
        f["risk_min"] = params["risk_min"]
    if params.get("open") == "yes":
        f["open"] = True
    if params.get("mine") == "yes":
        f["mine"] = True
    if params.get("due") == "soon":
        f["due"] = "soon"
    return f
