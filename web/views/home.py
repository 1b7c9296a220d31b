"""The home page (工作台)."""

from functools import cache
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import scope
from cases.choices import Role
from workflows import flows, lead_selectors, selectors
from workflows.lead_transitions import REPORT_ROLES
from workflows.paging import cached_count, latest_change


def _list(**params) -> str:
    url = reverse("cases:list")
    return f"{url}?{urlencode(params)}" if params else url


def cards(user, roles: set) -> list[dict]:
    """The home cards: each number is counted by the case-list filters its link opens
    (workflows.selectors.filter_cases), so the list shows exactly the cases counted. Each card
    is (key, label, n, url, css)."""
    visible = selectors.cases_for(user)
    version = cache(latest_change)  # the latest case event, read once for every card
    tallies = cache(lambda: selectors.tally_table(user))  # the case tallies, read once too

    def count(**params) -> int:
        f = {"overdue": {"yes": True, "no": False}.get(params.get("overdue", ""))}
        f |= {k: v for k, v in params.items() if k in ("status",)}
        f |= selectors.list_shortcuts(params)
        known = selectors.tally_count(user, f, tallies)  # the tallies, when they hold the filter
        if known is not None:
            return known
        # the cases are counted once per change, as the case list's own count is
        return cached_count(selectors.filter_cases(visible, user, f), version())

    def card(key, label, params, css="", show=True):
        if show:
            found.append(
                {"key": key, "label": label, "n": count(**params), "url": _list(**params)}
                | {"css": css}
            )

    leads = lead_cards(user, roles)
    if roles == {Role.GRID_WORKER}:
        return leads  # no case is theirs (SPEC §13)
    found: list[dict] = [
        {
            "key": "tasks",
            "label": _("我的待办"),
            "n": flows.tasks_for(user).count(),
            "url": reverse("workflows:tasks"),
            "css": "",
        }
    ]
    card("intake", _("待受理"), {"status": "intake"}, show=bool(roles & {"clerk", "director"}))
    card(
        "my_cases",
        _("我承办的案件"),
        {"mine": "yes", "open": "yes"},
        show=bool(roles & {"mediator", "director"}),
    )
    card("awaiting_approval", _("待结案审批"), {"status": "closure"}, show="director" in roles)
    card("due_soon", _("即将到期"), {"due": "soon"}, "warn")
    card("overdue", _("已超期"), {"overdue": "yes"}, "bad")
    card("high_risk", _("高/重大风险"), {"risk_min": "high", "open": "yes"}, "bad")
    card(
        "total",
        _("辖区案件总数") if "supervisor" in roles else _("可见案件总数"),
        {},
    )
    return found + leads


def lead_cards(user, roles: set) -> list[dict]:
    """排查 (SPEC §13): the reporter's own leads; for the committee and supervisors the leads
    past their triage or check date (the same rule as `sla_sweep`)."""
    if not roles & {Role.GRID_WORKER, Role.CLERK, Role.DIRECTOR, Role.MEDIATOR, Role.SUPERVISOR}:
        return []
    url = reverse("screening:leads")
    visible = lead_selectors.leads_for(user)
    if roles == {Role.GRID_WORKER}:
        return [
            {"key": "my_leads", "label": _("我的线索"), "n": visible.count(), "url": url, "css": ""}
        ]
    return [
        {
            "key": "leads_overdue",
            "label": _("排查线索超期"),
            "n": lead_selectors.overdue_leads_count(user),
            "url": f"{url}?overdue=yes",
            "css": "bad",
        }
    ]


@login_required
def home(request):
    """One page, a section per role the user holds (SPEC §1)."""
    user = request.user
    roles = {m.role for m in scope.memberships(user)}
    if scope.is_admin(user):
        roles.add(Role.ADMIN)
    found = cards(user, roles)
    return render(
        request,
        "tiaojie/home.html",
        {
            "memberships": scope.memberships(user),
            "roles": roles,
            "cards": found,
            "sections": {c["key"]: c["n"] for c in found},
            "is_supervisor": "supervisor" in roles,
            # 上报线索 first on a grid worker's phone: it is what they open the site for
            "may_report": bool(roles & REPORT_ROLES),
            "is_admin": Role.ADMIN in roles,
        },
    )
