"""The 排查 statistics table (矛盾纠纷排查调处情况统计表, SPEC §13): the page, its .xlsx and PDF.
Figures come from supervision.screening_stats; who may see them is supervision.access (403 for
other roles, 404 for a region outside scope, the page with the error in Chinese for bad input)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from core.errors import InvalidInput, NotFound, PermissionDenied
from supervision import access
from supervision import screening_stats as stats

TEMPLATE = "screening/stats.html"
FIELDS = ("region", "period", "from", "to")


def _params(request):
    """The query as the page means it: the form shows this period's dates in 起止日期 and takes
    统计期间 *or* them (its labels say so), so a typed period wins over the dates still in the
    form. The API, where a client sends what it means, refuses both (supervision.screening_stats)."""
    params = request.GET.copy()
    if params.get("period", "").strip():
        params.pop("from", None)
        params.pop("to", None)
    return params


def _context(request, sel, params) -> dict:
    values = {k: params.get(k, "") for k in FIELDS}
    if sel is not None:
        values["region"] = sel.region.pk
        if not values["period"]:
            values |= {"from": sel.date_from.isoformat(), "to": sel.date_to.isoformat()}
    query = {k: v for k, v in values.items() if v}
    return {
        "regions": access.picker(request.user, sel.region if sel is not None else values["region"]),
        "values": values,
        "query": urlencode(query),
        "sel": sel,
        "may_view_stats": True,
    }


def stats_view(view):
    @wraps(view)
    @login_required
    def wrapper(request):
        params = _params(request)
        try:
            sel = stats.selection(request.user, params)
        except PermissionDenied as exc:
            return render(request, "supervision/denied.html", {"message": exc.message}, status=403)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except InvalidInput as exc:
            context = _context(request, None, params) | {"error": exc.message}
            return render(request, TEMPLATE, context, status=400)
        return view(request, sel, params)

    return wrapper


@stats_view
def screening_table(request, sel, params):
    table = stats.screening_table(sel)
    return render(
        request,
        TEMPLATE,
        _context(request, sel, params)
        | {"cells": stats.cells(table), "ytd_from": table["year_to_date"]["date_from"]},
    )


@stats_view
def screening_xlsx(request, sel, _params):
    content = stats.screening_xlsx(sel, stats.screening_table(sel))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{stats.filename(sel, "xlsx")}"'
    return response


@stats_view
def screening_pdf(request, sel, _params):
    content = stats.screening_pdf(sel, stats.screening_table(sel), user=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stats.filename(sel, "pdf")}"'
    return response
