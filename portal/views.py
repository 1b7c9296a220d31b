"""The follow pages under /p/ (SPEC §14 查询进度): case code + phone → SMS code → the case in
plain words. The party session is a key of the Django session (30 minutes, one case), apart
from any staff login in the same browser."""

from __future__ import annotations

import time
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import Case
from core.errors import DomainError
from portal import follow, services

PARTY = "portal_party"  # {"case": pk, "phone": …, "until": epoch seconds}
PENDING = "portal_pending"  # {"case_code": …, "phone": …} between the two steps


def _party(request: HttpRequest) -> tuple[Case, str] | None:
    held = request.session.get(PARTY)
    if not isinstance(held, dict) or int(held.get("until", 0)) <= time.time():
        request.session.pop(PARTY, None)
        return None
    case = Case.objects.filter(pk=held.get("case")).first()
    return (case, str(held.get("phone"))) if case is not None else None


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    values = {
        "case_code": services.normalize_case_code(request.GET.get("code", "")),
        "phone": "",
    }
    error = ""
    if request.method == "POST":
        values = {
            "case_code": services.normalize_case_code(request.POST.get("case_code")),
            "phone": str(request.POST.get("phone") or "").strip(),
        }
        if not values["case_code"]:
            error = "请填写查询码（在调委会给您的告知书或申请书上）。"
        else:
            try:
                services.code_request(
                    phone=values["phone"], purpose="follow", case_code=values["case_code"]
                )
            except DomainError as refused:
                error = str(refused.message)
            else:
                request.session[PENDING] = {
                    "case_code": values["case_code"],
                    "phone": services.normalize_phone(values["phone"]),
                }
                return redirect("portal:verify")
    return render(request, "portal/start.html", {"values": values, "error": error})


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return redirect("portal:start")
    error = ""
    if request.method == "POST":
        try:
            case = services.code_check(
                phone=pending["phone"],
                purpose="follow",
                code=request.POST.get("sms_code"),
                case_code=pending["case_code"],
            )
        except DomainError as refused:
            error = str(refused.message)
        else:
            request.session.pop(PENDING, None)
            request.session.cycle_key()  # a new session id for the verified party
            until = time.time() + services.SESSION_LENGTH.total_seconds()
            request.session[PARTY] = {"case": case.pk, "phone": pending["phone"], "until": until}
            return redirect("portal:case")
    tail = str(pending["phone"])[-4:]
    return render(request, "portal/verify.html", {"tail": tail, "error": error})


@never_cache  # the case and its parties' names: kept by no cache (SPEC §12)
def case(request: HttpRequest) -> HttpResponse:
    party = _party(request)
    if party is None:
        return redirect("portal:start")
    shown: dict[str, Any] = follow.view(*party)
    return render(request, "portal/case.html", {"case": shown})


@never_cache
def document(request: HttpRequest, pk: int) -> HttpResponseBase:
    party = _party(request)
    if party is None:
        raise Http404("文书不存在。")
    doc = follow.party_document(party[0], pk)
    if doc is None or not doc.file:
        raise Http404("文书不存在。")
    return FileResponse(
        doc.file.open("rb"),
        content_type="application/pdf",
        filename=f"{doc.code}-{doc.pk}-v{doc.version}.pdf",
    )


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(PARTY, None)
    request.session.pop(PENDING, None)
    return redirect("portal:start")
