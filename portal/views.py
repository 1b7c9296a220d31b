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

from cases.choices import IdType, RegionLevel
from cases.models import AgreementDraft, Case, DisputeType, Organization, Region
from core.errors import DomainError
from core.net import client_ip
from documents import labels
from portal import applications, follow, ratings, services, signing

PARTY = "portal_party"  # {"case": pk, "phone": …, "until": epoch seconds}
PENDING = "portal_pending"  # {"case_code": …, "phone": …} between the two steps
APPLIED = "portal_applied"  # {"reference": …, "organization": …} for the done page


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
    pending = [
        s
        for s in signing.signatures_of(*party)
        if s.status == "pending" and s.draft.status == "open"
    ]
    rating = ratings.state(*party)
    context = {"case": shown, "to_sign": pending, "rating": rating}
    return render(request, "portal/case.html", context)


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


# --- 网上申请 (SPEC §14) ---------------------------------------------------------------------

APPLY_FIELDS = (
    "phone",
    "sms_code",
    "applicant_name",
    "applicant_gender",
    "applicant_id_type",
    "applicant_id_number",
    "applicant_address",
    "respondent_name",
    "respondent_phone",
    "respondent_address",
    "region",
    "dispute_type",
    "facts",
    "requests",
)
APPLY_ID_TYPES = [
    (IdType.RESIDENT_ID, "居民身份证"),
    (IdType.HMT_RESIDENCE, "港澳台居民居住证"),
    (IdType.HK_MACAO_PERMIT, "港澳居民来往内地通行证"),
    (IdType.TAIWAN_PERMIT, "台湾居民来往大陆通行证"),
    (IdType.FOREIGN_PERMANENT, "外国人永久居留身份证"),
    (IdType.NONE, "没有证件 / 不记得"),
]


def _villages() -> list[tuple[str, list[Region]]]:
    """The villages with a committee, grouped under their township, for the select."""
    rows = (
        Region.objects.filter(
            level=RegionLevel.VILLAGE, pk__in=Organization.objects.values("region")
        )
        .select_related("parent")
        .order_by("path")
    )
    groups: dict[str, list[Region]] = {}
    for region in rows:
        groups.setdefault(region.parent.name if region.parent else "", []).append(region)
    return list(groups.items())


def _region(value: str) -> Region | None:
    region: Region | None = (
        Region.objects.filter(pk=int(value)).first() if value.isdecimal() else None
    )
    return region


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """One page, five short sections; 获取验证码 and 提交申请 are two buttons of the same form,
    so what was typed stays whichever is pressed (no script needed)."""
    values = {k: str(request.POST.get(k) or "").strip() for k in APPLY_FIELDS}
    values["rights"] = "on" if request.POST.get("rights_acknowledged") else ""
    if not values["applicant_id_type"]:
        values["applicant_id_type"] = IdType.RESIDENT_ID
    error, notice, fields = "", "", {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "code":
                services.code_request(phone=values["phone"], purpose="apply")
                notice = f"验证码已发到尾号{values['phone'][-4:]}的手机，5分钟内有效。"
            else:
                submitted = applications.application_submit(
                    phone=values["phone"],
                    sms_code=values["sms_code"],
                    applicant={
                        "name": values["applicant_name"],
                        "gender": values["applicant_gender"],
                        "id_type": values["applicant_id_type"],
                        "id_number": values["applicant_id_number"],
                        "address": values["applicant_address"],
                    },
                    respondent={
                        "name": values["respondent_name"],
                        "phone": values["respondent_phone"],
                        "address": values["respondent_address"],
                    },
                    region=_region(values["region"]),
                    dispute_type=DisputeType.objects.filter(
                        taxonomy__is_current=True, code=values["dispute_type"]
                    ).first(),
                    facts=values["facts"],
                    requests=values["requests"],
                    rights_acknowledged=values["rights"] == "on",
                    ip=client_ip(request),
                )
                request.session[APPLIED] = {
                    "reference": submitted.application.reference,
                    "organization": submitted.organization.name,
                }
                return redirect("portal:apply-done")
        except DomainError as refused:
            error = str(refused.message)
            fields = {k.replace(".", "_"): v[0] for k, v in (refused.fields or {}).items() if v}
    context = {
        "values": values,
        "error": error,
        "notice": notice,
        "fields": fields,
        "villages": _villages(),
        "dispute_types": DisputeType.objects.filter(taxonomy__is_current=True),
        "id_types": APPLY_ID_TYPES,
        "rights": labels.RIGHTS,
        "duties": labels.DUTIES,
        "further": labels.NOTICE_FURTHER,
    }
    return render(request, "portal/apply.html", context)


@never_cache
def apply_done(request: HttpRequest) -> HttpResponse:
    applied = request.session.get(APPLIED)
    if not isinstance(applied, dict):
        return redirect("portal:apply")
    return render(request, "portal/apply_done.html", {"applied": applied})


# --- 签署协议 (SPEC §14) -----------------------------------------------------------------------


def _own_signature(request: HttpRequest, pk: int) -> tuple[tuple[Case, str], Any]:
    """The party session and its own signature `pk` (another party's or another case's: 404)."""
    party = _party(request)
    if party is None:
        raise Http404("签名不存在。")
    found = signing.signatures_of(*party).filter(pk=pk).first()
    if found is None:
        raise Http404("签名不存在。")
    return party, found


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the draft, get an SMS code, write the signature on the screen, submit: 获取验证码
    and 同意并签署 are two buttons of one form, the code asked before drawing (asking it
    reloads the page)."""
    party = _party(request)
    if party is None:
        return redirect("portal:start")
    (case, phone), signature = _own_signature(request, pk)
    error, notice = "", ""
    if request.method == "POST" and signature.status == "pending":
        try:
            if request.POST.get("action") == "code":
                signing.request_code(case, phone)
                notice = f"验证码已发到尾号{phone[-4:]}的手机，5分钟内有效。"
            else:
                signing.sign(
                    signature,
                    phone=phone,
                    sms_code=request.POST.get("sms_code"),
                    image_data_url=request.POST.get("image"),
                    ip=client_ip(request) or None,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
                return redirect("portal:sign", pk=signature.pk)
        except DomainError as refused:
            error = str(refused.message)
    context = {
        "signature": signature,
        "draft": signature.draft,
        "case_number": case.number,
        "signed_at": signing.signed_at_text(signature.signed_at),
        "error": error,
        "notice": notice,
    }
    return render(request, "portal/sign.html", context)


@never_cache
def sign_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft the party signs, as a PDF (the 调解协议书 marked 草稿)."""
    _, signature = _own_signature(request, pk)
    return draft_pdf_response(signature.draft)


def draft_pdf_response(draft: AgreementDraft) -> HttpResponse:
    """The draft as an inline PDF, rendered now (it is not an issued document): the party's
    page here, the staff page (web/views/agreement_draft.py) and the API (api/signing.py)."""
    response = HttpResponse(signing.draft_pdf(draft), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="AGR-draft-{draft.pk}.pdf"'
    return response
