"""The county's pages (SPEC §15) under /county/: the mediator register (list with alerts,
detail with trainings, entry and import), and the 以案定补 claims (list and drafting, the
claim with its steps and the township's review form, the 公示 list with masked names, the
finance export). Every change goes through workflows.services; a claim or mediator outside
the user's view is a 404, the wrong role a 403 (the services decide both)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import choices, scope
from cases.models import Organization, Region
from cases.validators import mask
from core.errors import DomainError
from core.errors import NotFound as ServiceNotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from core.uploads import upload_purpose
from county import register, subsidy
from county.models import (
    GRADES,
    Aspect,
    Claim,
    ClaimStatus,
    Difficulty,
    MediatorKind,
    MediatorRecord,
    ReviewRound,
)
from registers.claims import claim_xlsx
from registers.mediators import import_mediators, template_xlsx
from web.forms import Form
from web.views.cases import _apply_domain_error as apply_domain_error
from web.views.registers import UploadForm
from workflows import services
from workflows.services import mediators as register_services
from workflows.services import reviews
from workflows.services import subsidies as claims

DATE = forms.DateInput(attrs={"type": "date"})


# --- the register -------------------------------------------------------------------------
class MediatorForm(Form):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *choices.Gender.choices],
                               required=False)  # fmt: skip
    birth_year = forms.IntegerField(
        label="出生年份", min_value=1900, max_value=2100, required=False
    )
    id_type = forms.ChoiceField(label="证件类型", choices=choices.IdType.choices)
    id_number = forms.CharField(label="证件号码", max_length=20, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    organizations = forms.ModelMultipleChoiceField(
        label="所在调委会",
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.ChoiceField(label="类别", choices=MediatorKind.choices)
    grade = forms.TypedChoiceField(label="等级", choices=GRADES, coerce=int)
    appointed_on = forms.DateField(label="聘任日期", widget=DATE)
    term_ends_on = forms.DateField(label="任期届满日期", widget=DATE, help_text="通常为聘任后3年")
    filed = forms.BooleanField(label="已向县司法局备案", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Organization.objects.filter(scope.organizations_q(user)).select_related("region")
        self.fields["organizations"].queryset = Organization.objects.filter(
            pk__in=[o.pk for o in visible if register_services.may_manage(user, o)]
        )
        self.fields["phone"].widget.attrs["inputmode"] = "tel"


class TrainingForm(Form):
    held_on = forms.DateField(label="培训日期", widget=DATE)
    topic = forms.CharField(label="培训内容", max_length=200)
    hours = forms.DecimalField(label="学时", min_value=0.5, max_value=1000, decimal_places=1)
    organiser = forms.CharField(label="组织单位", max_length=100)


def _records(user):
    return MediatorRecord.objects.filter(
        register_services.records_visible_to(user)
    ).prefetch_related("organizations")


def _may_manage_any(user) -> bool:
    visible = Organization.objects.filter(scope.organizations_q(user)).select_related("region")
    return any(register_services.may_manage(user, o) for o in visible)


@login_required
def mediator_list(request):
    today = timezone.localdate()
    rows = []
    for record in _records(request.user):
        rows.append(
            {
                "record": record,
                "hours": register.training_hours(record, today.year),
                "alerts": register.alerts_for(record, today),
                "organizations": "、".join(o.name for o in record.organizations.all()),
            }
        )
    alerts = [a for row in rows for a in row["alerts"]]
    return render(
        request,
        "county/mediators.html",
        {"rows": rows, "alerts": alerts, "may_manage": _may_manage_any(request.user)},
    )


@login_required
def mediator_new(request):
    if not _may_manage_any(request.user):
        raise DjangoPermissionDenied("只有调委会主任或督导员可以维护调解员名册。")
    form = MediatorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.mediator_register(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已登记调解员{record.name}。")
            return redirect("county:mediator", record.pk)
    return render(request, "county/mediator_form.html", {"form": form})


@login_required
def mediator_edit(request, pk: int):
    record = get_object_or_404(_records(request.user), pk=pk)
    if not any(
        register_services.may_manage(request.user, o)
        for o in record.organizations.select_related("region")
    ):
        raise DjangoPermissionDenied("只有所在调委会的主任或督导员可以维护调解员名册。")
    initial = {name: getattr(record, name) for name in register_services.FIELDS}
    initial["organizations"] = list(record.organizations.all())
    form = MediatorForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mediator_update(record, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已更新调解员{record.name}的登记信息。")
            return redirect("county:mediator", record.pk)
    return render(request, "county/mediator_form.html", {"form": form, "record": record})


@login_required
def mediator_detail(request, pk: int):
    record = get_object_or_404(_records(request.user), pk=pk)
    full = register_services.sees_id_in_full(request.user, record)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_add(record, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "已添加培训记录。")
            return redirect("county:mediator", record.pk)
    today = timezone.localdate()
    county = register.record_county(record)
    return render(
        request,
        "county/mediator.html",
        {
            "record": record,
            "id_number": record.id_number if full else mask(record.id_number),
            "phone": record.phone if full else mask(record.phone),
            "trainings": record.trainings.all(),
            "hours": register.training_hours(record, today.year),
            "minimum": register.min_training_hours(county),
            "alerts": register.alerts_for(record, today),
            "form": form,
            "may_manage": any(
                register_services.may_manage(request.user, o)
                for o in record.organizations.select_related("region")
            ),
        },
    )


@login_required
@upload_purpose("import")
def mediator_import(request):
    if not _may_manage_any(request.user):
        raise DjangoPermissionDenied("只有调委会主任或督导员可以导入调解员名册。")
    form = UploadForm(request.POST or None, request.FILES or None)
    form.fields["file"].label = "调解员名册文件"
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = request.POST.get("confirm") != "1"
        result = import_mediators(
            upload.read(), filename=upload.name, actor=request.user, dry_run=dry_run
        )
        if result.ok and not dry_run:
            messages.success(request, f"已导入{result.imported}名调解员。")
            return redirect("county:mediators")
    return render(request, "county/mediator_import.html", {"form": form, "result": result})


@login_required
def mediator_template(request):
    response = HttpResponse(
        template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mediators-template.xlsx"'
    return response


# --- claims -------------------------------------------------------------------------------
class DraftForm(Form):
    organization = forms.ModelChoiceField(label="调委会", queryset=Organization.objects.none())
    period = forms.RegexField(label="季度", regex=subsidy.PERIOD, help_text="如 2026-Q4",
                              error_messages={"invalid": "季度格式为 2026-Q4"})  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        mine = Organization.objects.filter(
            pk__in=[m.organization_id for m in scope.memberships(user) if m.role == "director"]
        )
        self.fields["organization"].queryset = mine
        if len(mine) == 1:  # a director of one committee: nothing to choose
            self.fields["organization"].initial = mine[0].pk
            self.fields["organization"].empty_label = None
        today = timezone.localdate()
        self.fields["period"].initial = f"{today.year}-Q{(today.month - 1) // 3 + 1}"


class StepForm(Form):
    reason = forms.CharField(label="说明（可不填）", max_length=500, required=False)


def _claims(user):
    return (
        Claim.objects.filter(claims.claims_visible_q(user))
        .select_related("organization__region", "tariff")
        .order_by("-year", "-quarter", "organization__name")
    )


@login_required
def claim_list(request):
    form = DraftForm(request.POST or None, user=request.user)
    may_draft = form.fields["organization"].queryset.exists()
    if request.method == "POST" and not may_draft:
        raise DjangoPermissionDenied("只有调委会主任可以起草以案定补申报。")
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_draft(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已起草{claim.period}的申报。")
            return redirect("county:claim", claim.pk)
    return render(
        request,
        "county/claims.html",
        {
            "claims": _claims(request.user),
            "form": form,
            "may_draft": may_draft,
        },
    )


def _claim(request, pk: int) -> Claim:
    return get_object_or_404(_claims(request.user), pk=pk)


@login_required
def claim_detail(request, pk: int):
    claim = _claim(request, pk)
    lines = list(
        claim.lines.select_related("case", "duplicate_of").prefetch_related("shares__mediator")
    )
    steps = claims.allowed_steps(request.user, claim)
    # the director sets shares between a line's mediators while the claim is a draft
    may_share = claim.status == ClaimStatus.DRAFT and claims.DIRECTOR in claims.claim_roles(
        request.user, claim.organization
    )
    return render(
        request,
        "county/claim.html",
        {
            "claim": claim,
            "lines": [
                {
                    "line": line,
                    "flags": claims.flag_labels(line),
                    "shares": _share_rows(line) if may_share else [],
                }
                for line in lines
            ],
            "steps": [(name, claims.STEPS[name].label) for name in steps if name != "review"],
            "may_review": "review" in steps,
            "difficulties": Difficulty.choices,
            "events": claim.events.select_related("actor"),
            "totals": claims.mediator_totals(claim),
            "form": StepForm(),
            "notice_ends": subsidy.notice_ends(claim.published_at) if claim.published_at else None,
        },
    )


def _share_rows(line) -> list[dict]:
    """The share form's rows of a line with several mediators (in %, as the director thinks)."""
    shares = list(line.shares.all())
    if len(shares) < 2:
        return []
    return [
        {
            "mediator": sh.mediator,
            "percent": format((sh.share * 100).normalize(), "f"),
            "amount": sh.amount,
        }
        for sh in shares
    ]


@login_required
@require_POST
def claim_shares(request, pk: int, line: int):
    """The director's shares of one line (`share-<mediator id>` in %, adding up to 100)."""
    claim = _claim(request, pk)
    found = get_object_or_404(claim.lines.all(), pk=line)
    shares = {
        key.removeprefix("share-"): value.strip()
        for key, value in request.POST.items()
        if key.startswith("share-")
    }
    try:
        services.claim_set_shares(
            claim,
            actor=request.user,
            line=found,
            shares=shares,
            reason=request.POST.get("reason", "")[:500],
            version=request.POST.get("version"),
        )
    except DomainError as exc:
        if isinstance(exc, ServiceNotFound):
            raise Http404(exc.message) from None
        if isinstance(exc, ServicePermissionDenied):
            raise DjangoPermissionDenied(exc.message) from None
        messages.error(request, f"案件{found.case.number}：{exc.message}")
    else:
        messages.success(request, f"已设定案件{found.case.number}的分配比例。")
    return redirect("county:claim", claim.pk)


@login_required
@require_POST
def claim_step(request, pk: int, name: str):
    claim = _claim(request, pk)
    form = StepForm(request.POST)
    form.is_valid()
    data = {"reason": form.cleaned_data.get("reason", "")}
    if name == "review":
        data["lines"] = _review_edits(request, claim)
    try:
        services.claim_transition(
            claim, name, actor=request.user, version=request.POST.get("version"), **data
        )
    except DomainError as exc:
        apply_domain_error(form, exc)  # 404 and 403 are raised as such
        for message in [*form.non_field_errors(), *form.errors.get("reason", [])]:
            messages.error(request, str(message))
    else:
        messages.success(request, f"已办理“{claims.STEPS[name].label}”。" if name in claims.STEPS
                         else "已办理。")  # fmt: skip
    return redirect("county:claim", claim.pk)


def _review_edits(request, claim: Claim) -> list[dict]:
    """The township's form: for each line the class chosen, the strike box and the reason; a
    line is sent when something changed or a reason was written (the service then asks for
    what is missing)."""
    edits = []
    for line in claim.lines.all():
        prefix = f"line-{line.pk}-"
        difficulty = request.POST.get(prefix + "difficulty", line.difficulty)
        struck = request.POST.get(prefix + "struck") == "on"
        reason = request.POST.get(prefix + "reason", "").strip()
        if difficulty != line.difficulty or (struck and not line.struck) or reason:
            edit: dict = {"id": line.pk, "reason": reason}
            if difficulty != line.difficulty:
                edit["difficulty"] = difficulty
            if struck and not line.struck:
                edit["struck"] = True
            edits.append(edit)
    return edits


@login_required
def claim_notice(request, pk: int):
    claim = _claim(request, pk)
    return render(
        request,
        "county/notice.html",
        {
            "claim": claim,
            "rows": claims.published_lines(claim),
            "notice_ends": subsidy.notice_ends(claim.published_at) if claim.published_at else None,
        },
    )


@login_required
def claim_export(request, pk: int):
    claim = _claim(request, pk)
    response = HttpResponse(
        claim_xlsx(claim),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="claim-{claim.pk}-{claim.period}.xlsx"'
    return response


# --- file review rounds (卷宗评查) ------------------------------------------------------------
class RoundForm(Form):
    region = forms.ModelChoiceField(label="评查区域", queryset=Region.objects.none())
    period_from = forms.DateField(label="归档自", widget=DATE)
    period_to = forms.DateField(label="归档至", widget=DATE)
    confirmed_pct = forms.DecimalField(label="经司法确认案件抽取（%）", initial=10, min_value=0,
                                       max_value=100)  # fmt: skip
    other_pct = forms.DecimalField(label="其他案件抽取（%）", initial=5, min_value=0, max_value=100)
    min_per_committee = forms.IntegerField(label="每个调委会至少（件）", initial=1, min_value=0,
                                           max_value=100)  # fmt: skip
    seed = forms.CharField(
        label="随机种子（可不填，系统生成并记录）", max_length=64, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(
            pk__in=[m.region_id for m in scope.memberships(user) if m.role == "supervisor"]
        )


def _round(request, pk: int) -> ReviewRound:
    return get_object_or_404(
        ReviewRound.objects.filter(pk__in=reviews.rounds_visible_to(request.user)), pk=pk
    )


def _items(user, round_: ReviewRound):
    items = round_.items.select_related("case", "organization").order_by("organization", "id")
    if reviews.supervises(user, round_.region):
        return items
    return items.filter(
        organization_id__in=[m.organization_id for m in scope.memberships(user)
                             if m.role in ("clerk", "mediator", "director")]
    )  # fmt: skip


@login_required
def review_list(request):
    form = RoundForm(request.POST or None, user=request.user)
    may_open = form.fields["region"].queryset.exists()
    if request.method == "POST" and not may_open:
        raise DjangoPermissionDenied("卷宗评查只能由督导员组织。")
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.review_open(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, f"已抽取{round_.items.count()}件案卷（随机种子 {round_.seed}）。"
            )
            return redirect("county:review", round_.pk)
    rounds = ReviewRound.objects.filter(pk__in=reviews.rounds_visible_to(request.user))
    return render(
        request,
        "county/reviews.html",
        {"rounds": rounds.select_related("region"), "form": form, "may_open": may_open},
    )


@login_required
def review_detail(request, pk: int):
    round_ = _round(request, pk)
    supervising = reviews.supervises(request.user, round_.region)
    if request.method == "POST":
        if not supervising:
            raise DjangoPermissionDenied("整改通知只能由组织评查区域的督导员下发。")
        try:
            services.review_issue_notices(round_, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已下发整改通知。")
        return redirect("county:review", round_.pk)
    items = list(_items(request.user, round_))
    orgs = {i.organization_id for i in items}
    return render(
        request,
        "county/review.html",
        {
            "round": round_,
            "items": items,
            "report": [
                r
                for r in reviews.review_report(round_)
                if r["organization"]["id"] in orgs or supervising
            ],  # fmt: skip
            "notices": round_.notices.filter(organization_id__in=orgs).select_related(
                "organization"
            ),
            "supervising": supervising,
        },
    )


@login_required
def review_item(request, pk: int, item: int):
    round_ = _round(request, pk)
    found = get_object_or_404(_items(request.user, round_), pk=item)
    aspects = []
    for value, label in Aspect.choices:
        known = found.prefill.get(value)
        aspects.append({
            "key": value, "label": label, "max": round_.maxima[value],
            "prefill": known, "score": found.scores.get(value, known[0] if known else ""),
            "reason": found.reasons.get(value, ""),
        })  # fmt: skip
    error = ""
    if request.method == "POST":
        scores = {a["key"]: request.POST.get(f"score-{a['key']}", "").strip() for a in aspects}
        why = {a["key"]: request.POST.get(f"reason-{a['key']}", "") for a in aspects}
        try:
            services.review_score(found, actor=request.user, scores=scores, reasons=why)
        except DomainError as exc:
            if isinstance(exc, ServiceNotFound):
                raise Http404(exc.message) from None
            if isinstance(exc, ServicePermissionDenied):
                raise DjangoPermissionDenied(exc.message) from None
            error = exc.message
            for a in aspects:
                a["score"], a["reason"] = scores[a["key"]], why[a["key"]]
        else:
            messages.success(request, f"已评分：{found.total}分（{found.get_grade_display()}）。")
            return redirect("county:review", round_.pk)
    return render(
        request,
        "county/review_item.html",
        {
            "round": round_,
            "item": found,
            "aspects": aspects,
            "error": error,
            "may_score": reviews.supervises(request.user, round_.region),
        },  # fmt: skip
    )


class AnswerForm(Form):
    answer = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 5}),
                             max_length=2000)  # fmt: skip


def _notice(request, round_: ReviewRound, notice: int):
    try:
        return reviews.notice_visible(request.user, round_, notice)
    except ServiceNotFound:
        raise Http404 from None


@login_required
def review_notice(request, pk: int, notice: int):
    round_ = _round(request, pk)
    found = _notice(request, round_, notice)
    form = AnswerForm(request.POST or None, initial={"answer": found.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.review_answer(found, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "已答复整改情况。")
            return redirect("county:review", round_.pk)
    return render(request, "county/review_notice.html",
                  {"round": round_, "notice": found, "form": form})  # fmt: skip


@login_required
def review_notice_pdf(request, pk: int, notice: int):
    """The 整改通知书 (RVW) PDF: whoever sees the notice's page (reviews.notice_pdf)."""
    round_ = _round(request, pk)
    try:
        found = reviews.notice_pdf(request.user, round_, notice)
    except ServiceNotFound:
        raise Http404 from None
    except DomainError as exc:  # not rendered yet, or failed
        messages.error(request, exc.message)
        return redirect("county:review-notice", round_.pk, notice)
    response = FileResponse(found.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="RVW-{found.pk}.pdf"'
    response["ETag"] = f'"{found.sha256}"'
    return response
