"""Supervision pages (SPEC §7): dashboard, statistics table and its exports, ranking, audit log,
and the personal-data access log (SPEC §11, supervision.access_log).
Figures come from supervision.stats; the one change made here, 督办, goes through
workflows.services.case_supervise."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import scope
from cases.choices import Outcome, RiskLevel, Status
from cases.models import Case
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from core.i18n import in_official_language
from supervision import access, access_log, audit, charts, exports, ranking, stats
from supervision.forms import SuperviseConfirmForm
from supervision.models import RankingWeights
from web.fragments import cached_part
from workflows import deadlines, selectors, services
from workflows.models import CaseEvent
from workflows.services.actions import ACTIONS, last_supervision


def _denied(request, message: str):
    return render(request, "supervision/denied.html", {"message": message}, status=403)


def _filters(request, sel: stats.Selection | None) -> dict:
    """The region picker (visible regions only) and the period, as the form shows them."""
    values = (
        {"region": sel.region.pk, "from": sel.date_from, "to": sel.date_to}
        if sel
        else {
            "region": request.GET.get("region", ""),
            "from": request.GET.get("from", ""),
            "to": request.GET.get("to", ""),
        }
    )
    query = (
        urlencode({"region": sel.region.pk, "from": sel.date_from, "to": sel.date_to})
        if sel
        else ""
    )
    return {
        "regions": access.picker(request.user, sel.region if sel else request.GET.get("region")),
        "values": values,
        "query": query,
        "sel": sel,
        "is_supervisor": access.is_supervisor(request.user),
        "may_view_access": access_log.may_view(request.user),
    }


def stats_page(template: str):
    """Parse (region, from, to) for the user: 403 page for a role without statistics, 404 for a
    region outside scope, the page with the error in Chinese (400) for bad input."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            try:
                sel = access.selection(request.user, request.GET)
            except PermissionDenied as exc:
                return _denied(request, exc.message)
            except NotFound as exc:
                raise Http404(exc.message) from None
            except InvalidInput as exc:
                context = _filters(request, None) | {"error": exc.message}
                return render(request, template, context, status=400)
            return view(request, sel, _filters(request, sel), *args, **kwargs)

        return wrapper

    return decorate


def _lead_list(**params) -> str:
    return f"{reverse('screening:leads')}?{urlencode(params)}"


@stats_page("supervision/dashboard.html")
def dashboard(request, sel, context):
    def body() -> str:
        data = stats.dashboard(sel)
        figures = data["summary"]
        return render_to_string(
            "supervision/_dashboard_body.html",
            context
            | {
                "request": request,
                "figures": figures,
                "open_by_status": [
                    (Status(s).label, n) for s, n in figures["open_by_status"].items()
                ],
                "closed_by_outcome": [
                    (Outcome(o).label, n) for o, n in figures["closed_by_outcome"].items()
                ],
                "chart": charts.trend(data["monthly"]),
                "monthly": data["monthly"],
                "overdue": data["overdue"],
                "high_risk": data["high_risk"],
                "leads_overdue": data["leads_overdue"],
                "leads_overdue_url": _lead_list(region=sel.region.pk, overdue="yes"),
                "leads_overdue_high_url": _lead_list(
                    region=sel.region.pk, overdue="yes", risk_min="high"
                ),
                "top_type": max([r["received"] for r in figures["by_dispute_type"]] + [0]),
                "top_source": max([r["received"] for r in figures["by_source"]] + [0]),
                "top_region": max([r["received"] for r in figures["by_child_region"]] + [0]),
                "today": deadlines.today(),
            },
        )

    # the figures, lists and chart: rendered once per change (web/fragments.py)
    parts = (sel.region.pk, sel.date_from, sel.date_to, request.get_full_path())
    return render(
        request,
        "supervision/dashboard.html",
        context | {"body": cached_part("dashboard", request.user, parts, body)},
    )


@stats_page("supervision/statistics.html")
def statistics(request, sel, context):
    table = stats.statistics_table(sel)
    return render(
        request,
        "supervision/statistics.html",
        context | {"table": exports.table_cells(table)},
    )


@stats_page("supervision/statistics.html")
def statistics_xlsx(request, sel, context):
    content = exports.statistics_xlsx(sel, stats.statistics_table(sel))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(sel, "xlsx")}"'
    return response


@stats_page("supervision/statistics.html")
def statistics_pdf(request, sel, context):
    content = exports.statistics_pdf(sel, stats.statistics_table(sel), user=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(sel, "pdf")}"'
    return response


@stats_page("supervision/ranking.html")
def ranking_view(request, sel, context):
    weights = RankingWeights.current().as_dict()

    def body() -> str:
        return render_to_string(
            "supervision/_ranking_body.html",
            {
                "ranking": ranking.ranking(sel, weights=weights),
                "weights": [(label, weights[key]) for key, _figure, label in ranking.parts()],
            },
        )

    # rendered once per change (web/fragments.py); the weights and the file scores are part of
    # the key (a score writes no case event)
    parts = (
        sel.region.pk,
        sel.date_from,
        sel.date_to,
        tuple(sorted(weights.items())),
        ranking.reviews_version(),
    )
    return render(
        request,
        "supervision/ranking.html",
        context | {"body": cached_part("ranking", request.user, parts, body)},
    )


# --- audit --------------------------------------------------------------------------------
def _audit_filters(request):
    """(filters, None) or (None, response)."""
    try:
        return audit.parse(request.user, request.GET), None
    except PermissionDenied as exc:
        return None, _denied(request, exc.message)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except InvalidInput as exc:
        context = _filters(request, None) | _audit_choices() | {"error": exc.message}
        return None, render(request, "supervision/audit.html", context, status=400)


def _audit_choices() -> dict:
    return {"kinds": CaseEvent.Kind.choices, "names": sorted(selectors.event_labels().items())}


@login_required
def audit_log(request):
    f, response = _audit_filters(request)
    if response:
        return response
    rows, has_next = audit.page(audit.events(request.user, f), f["page"])
    labels, states = selectors.event_labels(), dict(Status.choices)
    for event in rows:
        event.label = labels.get(event.name, event.name)
        event.from_label = states.get(event.from_status, event.from_status)
        event.to_label = states.get(event.to_status, event.to_status)
        event.as_of = timezone.localtime(event.at).date().isoformat()
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    params.setdefault("region", f["region"].pk)
    query = urlencode(params)
    context = _filters(request, None) | _audit_choices()
    context["values"] = {
        k: request.GET.get(k, "") for k in ("from", "to", "actor", "case", "kind", "name")
    } | {"region": f["region"].pk}
    return render(
        request,
        "supervision/audit.html",
        context
        | {
            "events": rows,
            "page": f["page"],
            "has_next": has_next,
            "query": query,
            "region": f["region"],
        },
    )


@login_required
def audit_export(request):
    f, response = _audit_filters(request)
    if response:
        return response
    labels = selectors.event_labels()
    events = audit.events(request.user, f).iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        exports.audit_csv(exports.audit_row(e, labels) for e in events),
        content_type="text/csv; charset=utf-8",
    )
    name = f"audit-{f['region'].pk}-{deadlines.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- 个人信息访问记录 (SPEC §11) -------------------------------------------------------------
ACCESS_FIELDS = ("case", "user", "from", "to")


def _access_context(request) -> dict:
    values = {k: request.GET.get(k, "") for k in ACCESS_FIELDS}
    return _filters(request, None) | {"values": values, "kinds": access_log.Kind.choices}


def _access_filters(request):
    """(filters, None) or (None, response): 403 page for other roles, 400 with the reason."""
    try:
        return access_log.parse(request.user, request.GET), None
    except PermissionDenied as exc:
        return None, _denied(request, exc.message)
    except InvalidInput as exc:
        context = _access_context(request) | {"error": exc.message, "records": None}
        return None, render(request, "supervision/access.html", context, status=400)


@login_required
def access_records(request):
    f, response = _access_filters(request)
    if response:
        return response
    rows, has_next = audit.page(access_log.records(request.user, f), f["page"])
    params = {k: v for k, v in request.GET.items() if k in ACCESS_FIELDS and v}
    return render(
        request,
        "supervision/access.html",
        _access_context(request)
        | {
            "records": rows,
            "page": f["page"],
            "has_next": has_next,
            "access_query": urlencode(params),
        },
    )


@login_required
def access_export(request):
    f, response = _access_filters(request)
    if response:
        return response
    rows = access_log.records(request.user, f).iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        access_log.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    name = f"access-{deadlines.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- 督办 -----------------------------------------------------------------------------------
@in_official_language
def _notice(case: Case, kind: str, reply_by: dt.date) -> str:
    """The notice printed on the 督办通知书: Chinese whatever language the supervisor reads."""
    if kind == "risk":
        return _(
            "案件%(number)s风险等级为“%(level)s”，请落实稳控措施、防止矛盾激化，"
            "并于%(date)s前报告处置情况。"
        ) % {
            "number": case.number,
            "level": str(RiskLevel(case.risk_level).label),
            "date": reply_by.isoformat(),
        }
    return _(
        "案件%(number)s已超过办理期限（%(deadline)s），请于%(date)s前报告办理进展并依法及时办结。"
    ) % {
        "number": case.number,
        "deadline": case.deadline.isoformat() if case.deadline else "—",
        "date": reply_by.isoformat(),
    }


def _reply_by(kind: str) -> dt.date:
    return deadlines.today() + dt.timedelta(days=3 if kind == "risk" else 5)


def _next(request) -> str:
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("supervision:dashboard")
    return target


def _kind(request) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or "overdue"
    return kind if kind in ("overdue", "risk") else "overdue"


@login_required
@require_http_methods(["GET", "POST"])
def supervise(request, pk: int):
    """督办 with a confirmation: GET shows the case, the notice composed from the reason the
    case is listed (editable), the feedback date and, within 24 hours of the last 督办, the
    「仍要再次督办」 box; POST issues it. A POST without `content` issues the composed text. The
    service checks role, scope and the 24-hour rule and issues SUP."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    try:
        scope.check_role(request.user, case, ACTIONS["supervise"].roles, _("督办"))
    except PermissionDenied as exc:
        return _denied(request, exc.message)
    kind = _kind(request)
    form = SuperviseConfirmForm(
        request.POST if request.method == "POST" else None,
        initial={
            "content": _notice(case, kind, _reply_by(kind)),
            "reply_by": _reply_by(kind),
            "kind": kind,
            "next": _next(request),
        },
    )
    error = ""
    if request.method == "POST":
        data = request.POST.copy()
        data.setdefault("content", form.initial["content"])  # the one-click form of old
        form = SuperviseConfirmForm(data, initial=form.initial)
        if form.is_valid():
            try:
                notice = services.case_supervise(
                    case,
                    actor=request.user,
                    content=form.cleaned_data["content"],
                    reply_by=form.cleaned_data["reply_by"] or _reply_by(kind),
                    force=form.cleaned_data["force"],
                    ip=request.META.get("REMOTE_ADDR") or None,
                )
            except PermissionDenied as exc:
                return _denied(request, exc.message)
            except DomainError as exc:
                error = _("督办未能发出：%(error)s") % {"error": exc.message}
                if "force" in exc.fields:
                    form.add_error("force", exc.message)
            else:
                messages.success(
                    request,
                    _("已对案件%(number)s发出督办通知（反馈期限%(date)s），督办通知书正在生成。")
                    % {"number": case.number, "date": notice.reply_by or "—"},
                )
                return redirect(_next(request))
    notices = list(case.supervisionnotices.order_by("-created_at", "-pk"))
    return render(
        request,
        "supervision/supervise.html",
        {
            "case": case,
            "form": form,
            "error": error,
            "notices": notices,
            "recent": last_supervision(case),
            "next": _next(request),
            "is_supervisor": True,
        },
    )
