"""签署协议 on the staff case page (SPEC §14): the assigned mediator drafts the written agreement
(拟定协议草稿), sees each party's signature, marks a paper signature with a photo of the signed
page (标记纸质签名), reads the draft as a PDF and records the agreement from the signed draft.
portal/signing.py decides who may; a case outside the user's reach does not exist (404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases import scope
from cases.choices import Status
from cases.models import Case
from core.errors import DomainError
from core.errors import PermissionDenied as ServicePermissionDenied
from portal import signing
from portal.views import draft_pdf_response
from supervision import access_log
from web.forms import AmountField, DateInput
from web.views.cases import _apply_domain_error, _case_or_404, _client_ip, _posted_version
from workflows import services


class DraftForm(forms.Form):
    terms = forms.CharField(
        label=_("协议条款"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一条，无需编号：协议书自动编为一、二、三……"),
    )
    performance_method = forms.CharField(label=_("履行方式"), max_length=200, required=False)
    performance_deadline = forms.DateField(label=_("履行期限"), widget=DateInput())
    amount = AmountField(name="amount", label=_("协议金额（元）"))
    facts = forms.CharField(
        label=_("纠纷事实、争议事项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不填则用案件的纠纷简要情况。"),
    )
    responsibilities = forms.CharField(
        label=_("各方责任"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PaperForm(forms.Form):
    photo = forms.FileField(
        label=_("签字页照片"), help_text=_("拍下当事人签名后的纸质协议（JPEG 或 PNG）。")
    )


def may_draft(user, case: Case) -> bool:
    return case.status == Status.MEDIATION and scope.ASSIGNED in scope.effective_roles(user, case)


def panel(user, case: Case) -> dict:
    """What the case page shows of the draft (web/templatetags/agreement_draft.py)."""
    draft = signing.open_draft(case) if scope.sees_personal_data(user, case) else None
    mine = may_draft(user, case)
    signatures = list(draft.signatures.all()) if draft is not None else []
    return {
        "case": case,
        "draft": draft,
        "signatures": signatures,
        "may_draft": mine,
        "all_signed": bool(signatures) and all(s.done for s in signatures),
        "paper_form": PaperForm() if mine else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def draft_prepare(request, pk: int):
    case = _case_or_404(request, pk)
    if request.method != "POST" and not may_draft(request.user, case):
        raise DjangoPermissionDenied(_("只有本案承办调解员可以在调解阶段拟定协议草稿。"))
    open_draft = signing.open_draft(case)
    initial = {}
    if open_draft is not None:
        initial = {
            "terms": "\n".join(open_draft.terms),
            "performance_method": open_draft.performance_method,
            "performance_deadline": open_draft.performance_deadline,
            "amount": open_draft.amount,
            "facts": open_draft.facts,
            "responsibilities": open_draft.responsibilities,
        }
    form = DraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = _posted_version(request, case.version)
        data = dict(form.cleaned_data)
        try:
            signing.prepare_draft(case, request.user, version, ip=_client_ip(request), **data)
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, _("协议草稿已拟定，已用短信通知当事人签署。"))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/agreement_draft.html",
        {"case": case, "form": form, "replacing": open_draft is not None},
    )


def _forbid(exc: DomainError) -> None:
    """A refusal for the user's role is the page's 403; the others are shown as messages."""
    if isinstance(exc, ServicePermissionDenied):
        raise DjangoPermissionDenied(exc.message) from None


def _signature(case: Case, signature_pk: int):
    draft = signing.open_draft(case)
    if draft is None:
        raise Http404(_("该案件没有待签署的协议草稿。"))
    return get_object_or_404(draft.signatures.select_related("party"), pk=signature_pk)


@login_required
@require_POST
def paper_mark(request, pk: int, signature: int):
    case = _case_or_404(request, pk)
    row = _signature(case, signature)
    form = PaperForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择签字页的照片。"))
        return redirect("cases:detail", pk=case.pk)
    row.draft.case = case
    try:
        signing.mark_paper(
            row,
            actor=request.user,
            photo=form.cleaned_data["photo"].read(),
            version=_posted_version(request, None),
            ip=_client_ip(request),
        )
    except DomainError as exc:
        _forbid(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已标记%(name)s纸质签名。") % {"name": row.party.name})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def record_from_draft(request, pk: int):
    """达成协议 from the signed draft: no terms typed, no tick box (the signatures decide)."""
    case = _case_or_404(request, pk)
    case.version = _posted_version(request, case.version)
    try:
        services.case_transition(
            case, "record_agreement", actor=request.user, ip=_client_ip(request), kind="written"
        )
    except DomainError as exc:
        _forbid(exc)
        if exc.missing:
            messages.error(request, _("尚不能办理，缺少：") + "；".join(exc.missing))
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, _("已按签署的协议草稿登记调解协议。"))
    return redirect("cases:detail", pk=case.pk)


@never_cache
@login_required
def draft_pdf(request, pk: int):
    case = _case_or_404(request, pk)
    if not scope.sees_personal_data(request.user, case):
        raise DjangoPermissionDenied(_("协议草稿只有本调委会的人员可以查看。"))
    draft = signing.open_draft(case)
    if draft is None:
        raise Http404(_("该案件没有待签署的协议草稿。"))
    access_log.record(
        request.user,
        kind=access_log.Kind.PDF_DOWNLOAD,
        ip=_client_ip(request),
        case=case,
        detail=f"协议草稿 {draft.pk}",
    )
    return draft_pdf_response(draft)
