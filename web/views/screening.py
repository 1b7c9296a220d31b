"""The 排查 pages (SPEC §13): the phone-first lead form, the lead lists (a grid worker's own, the
committee's), the lead page with the transitions the user may start, the sweeps with their
progress and the zero report. Every change goes through workflows.services; who sees what is
screening.scope (a lead outside it is a 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import scope
from cases.choices import RECORDED_RISK_FACTORS, PartyRole, RiskFactor, RiskLevel, Role
from cases.models import DisputeType, Region
from cases.validators import mask
from core import images
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from documents import access as document_access
from screening.models import Channel, Lead, LeadPhoto, LeadStatus, Receiver, Sweep
from screening.progress import sweep_progress
from screening.scope import (
    is_grid_worker_only,
    lead_roles,
    may_open_sweep,
    may_report_for,
    report_regions_q,
    sees_lead_personal_data,
)
from supervision import access as stats_access
from web.forms import Form
from workflows import deadlines, lead_selectors, services
from workflows.lead_transitions import LEAD_SPECS, REPORT_ROLES
from workflows.services.leads import case_parties, case_summary

RISK_SIGNS = [(f, RiskFactor(f).label) for f in RECORDED_RISK_FACTORS]


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    """A service's refusal as a form error (404 and 403 stay what they are)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, ServicePermissionDenied):
        raise DjangoPermissionDenied(exc.message)
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(target, str(error))
    if exc.missing:
        form.add_error(None, "尚不能办理，缺少：" + "；".join(exc.missing))
    elif not exc.fields:
        form.add_error(None, exc.message)


def may_report(user) -> bool:
    held = {m.role for m in scope.memberships(user)}
    return scope.is_admin(user) or bool(held & REPORT_ROLES)


# --- forms --------------------------------------------------------------------------------
class CameraInput(forms.ClearableFileInput):
    """The phone's camera first; photos.js shrinks each picture on the phone before sending."""

    allow_multiple_selected = True

    def __init__(self) -> None:
        super().__init__(
            {"accept": "image/*", "capture": "environment", "data-photos": "", "multiple": True}
        )


class PhotosField(forms.FileField):
    widget = CameraInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > LeadPhoto.MAX_PER_LEAD:
            raise forms.ValidationError(f"最多上传{LeadPhoto.MAX_PER_LEAD}张照片。")
        return [super(PhotosField, self).clean(f, initial) for f in files]


class LeadForm(Form):
    """The fewest fields that make a lead useful (SPEC §13): where, what, how many, risk signs,
    photos; a committee member also gives the channel and the sender of a referral."""

    region = forms.ModelChoiceField(queryset=Region.objects.none(), label="所在网格/村")
    place = forms.CharField(label="地点", max_length=200, required=False)
    description = forms.CharField(
        label="发生了什么", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    people_involved = forms.IntegerField(
        label="涉及多少人", min_value=0, max_value=100000, required=False
    )
    person_name = forms.CharField(label="当事人姓名（可不填）", max_length=100, required=False)
    person_phone = forms.CharField(label="联系电话（可不填）", max_length=20, required=False)
    risk_factors = forms.MultipleChoiceField(
        label="风险苗头（点选）",
        choices=RISK_SIGNS,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "tj-toggle"}),
    )
    photos = PhotosField(label="拍照（最多5张）", required=False)
    keep_location = forms.BooleanField(label="保留照片中的位置信息", required=False)
    dispute_type = forms.ModelChoiceField(
        queryset=DisputeType.objects.filter(taxonomy__is_current=True),
        label="纠纷类型",
        required=False,
    )
    channel = forms.ChoiceField(
        label="来源渠道", choices=Channel.choices, initial="grid", required=False
    )
    sender = forms.CharField(label="移送单位", max_length=100, required=False)
    sender_reference = forms.CharField(label="移送单位文号", max_length=100, required=False)
    found_on = forms.DateField(
        label="发现（收到）日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sweep = forms.ModelChoiceField(queryset=Sweep.objects.none(), label="排查活动", required=False)

    STAFF_ONLY = ("dispute_type",)
    # A matter handed over by a court, the police, 信访 or 12345: who sent it, their reference and
    # the day it came (the 反馈函 and the 诉前 term count from it). On a grid worker's phone they
    # fold under one line, so the usual report stays the fewest fields.
    REFERRAL = ("channel", "sender", "sender_reference", "found_on")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(report_regions_q(user))
        self.fields["region"].queryset = regions
        if regions.count() == 1:
            self.fields["region"].initial = regions.first()
        today = timezone.localdate()
        running = lead_selectors.sweeps_for(user).filter(starts_on__lte=today, ends_on__gte=today)
        self.fields["sweep"].queryset = running
        if running.count() == 1:
            self.fields["sweep"].initial = running.first()
        self.folded = is_grid_worker_only(user)
        if self.folded:
            for name in self.STAFF_ONLY:
                del self.fields[name]
        for name in ("place", "person_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["person_phone"].widget.attrs.update({"inputmode": "tel"})
        self.fields["people_involved"].widget.attrs.update({"inputmode": "numeric"})

    def main_fields(self):
        return [f for f in self if not (self.folded and f.name in self.REFERRAL)]

    def referral_fields(self):
        return [self[name] for name in self.REFERRAL] if self.folded else []

    def referral_open(self) -> bool:
        """Unfolded when the report is a referral or one of its fields has an error."""
        return self.is_bound and any(
            self[name].errors or (self[name].value() or "grid") != "grid" for name in self.REFERRAL
        )


class NoteForm(Form):
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ResolveForm(Form):
    note = forms.CharField(label="化解情况（做了什么）", widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(Form):
    note = forms.CharField(label="核实情况（核实无纠纷）", widget=forms.Textarea(attrs={"rows": 3}))


class ReferForm(Form):
    receiver = forms.ChoiceField(label="接收单位", choices=[("", "请选择"), *Receiver.choices])
    reason = forms.CharField(label="移交理由", widget=forms.Textarea(attrs={"rows": 3}))
    feedback_due = forms.DateField(label="反馈期限", widget=forms.DateInput(attrs={"type": "date"}))


class WatchForm(Form):
    note = forms.CharField(label="关注说明", widget=forms.Textarea(attrs={"rows": 3}))
    next_check_on = forms.DateField(
        label="下次核查日期（30天内）", widget=forms.DateInput(attrs={"type": "date"})
    )


class ToCaseForm(Form):
    """Nothing retyped: the case takes the lead's data; only what the lead lacks is asked."""

    dispute_type = forms.ModelChoiceField(
        queryset=DisputeType.objects.filter(taxonomy__is_current=True),
        label="纠纷类型",
        required=False,
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        if lead.dispute_type_id:
            del self.fields["dispute_type"]


TRANSITION_FORMS: dict[str, type[forms.Form]] = {
    "to_case": ToCaseForm,
    "resolve_on_site": ResolveForm,
    "refer": ReferForm,
    "watch": WatchForm,
    "close": CloseForm,
}


class LeadFilterForm(Form):
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *LeadStatus.choices], required=False
    )
    risk = forms.ChoiceField(
        label="风险", choices=[("", "全部"), *RiskLevel.choices], required=False
    )
    channel = forms.ChoiceField(
        label="渠道", choices=[("", "全部"), *Channel.choices], required=False
    )
    overdue = forms.ChoiceField(
        label="期限", choices=[("", "全部"), ("yes", "已超期")], required=False
    )
    sweep = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    # the links of the supervision dashboard's 逾期线索 card (SPEC §13): a region's subtree,
    # high and critical risk together
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "区域不存在。"},
    )
    risk_min = forms.ChoiceField(
        choices=[("", "全部"), ("high", "高/重大")], required=False, widget=forms.HiddenInput
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data.get("status"),
            "risk": data.get("risk"),
            "risk_min": data.get("risk_min"),
            "region": data.get("region"),
            "channel": data.get("channel"),
            "overdue": True if data.get("overdue") == "yes" else None,
            "sweep": data.get("sweep"),
        }


class SweepForm(Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label="排查区域")
    name = forms.CharField(label="活动名称", max_length=100, required=False)
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    focus = forms.CharField(
        label="排查重点", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # a sweep covers a province, a city, a county or a township the supervisor oversees
        regions = Region.objects.filter(level__in=["province", "city", "county", "township"])
        if not scope.is_admin(user):
            regions = regions.filter(scope.visible_regions_q(user))
        self.fields["region"].queryset = regions.order_by("path")


class ZeroReportForm(Form):
    region = forms.ModelChoiceField(queryset=Region.objects.all(), widget=forms.HiddenInput)
    zero = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label="说明", required=False, max_length=500)


# --- leads --------------------------------------------------------------------------------
def _lead_or_404(request, pk: int) -> Lead:
    return get_object_or_404(lead_selectors.lead_detail_for(request.user), pk=pk)


@login_required
def lead_list(request):
    user = request.user
    leads = lead_selectors.leads_for(user)
    mine = is_grid_worker_only(user)
    form = LeadFilterForm(request.GET or None)
    narrowed = []  # the hidden filters, said in words above the count
    if form.is_bound and form.is_valid():
        leads = lead_selectors.filter_leads(leads, form.filters())
        if form.cleaned_data.get("region") is not None:
            narrowed.append(f"区域：{form.cleaned_data['region'].name}")
        if form.cleaned_data.get("risk_min"):
            narrowed.append("风险：高/重大")
    elif form.is_bound:
        leads = leads.none()
    page = Paginator(leads.order_by("-reported_at", "-pk"), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "screening/leads.html",
        {
            "may_view_stats": stats_access.may_view(request.user),
            "page": page,
            "form": form,
            "mine": mine,
            "narrowed": narrowed,
            "query": query.urlencode(),
            "may_report": may_report(user),
        },
    )


@login_required
def lead_report(request):
    user = request.user
    if not may_report(user):
        raise DjangoPermissionDenied("“上报线索”只能由网格员、登记员、调委会主任、人民调解员办理。")
    form = LeadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = []
        if data["person_name"].strip():
            people.append({"name": data["person_name"], "phone": data["person_phone"]})
        try:
            with transaction.atomic():  # a refused photo takes the lead (and its number) back
                lead = services.lead_report(
                    actor=user,
                    region=data["region"],
                    description=data["description"],
                    place=data["place"],
                    people_involved=data["people_involved"] or 0,
                    people=people,
                    risk_factors=data["risk_factors"],
                    sweep=data["sweep"],
                    dispute_type=data.get("dispute_type"),
                    channel=data.get("channel") or Channel.GRID,
                    sender=data.get("sender", ""),
                    sender_reference=data.get("sender_reference", ""),
                    found_on=data.get("found_on"),
                    ip=_ip(request),
                )
                for upload in data["photos"]:
                    try:
                        services.lead_photo_add(
                            lead,
                            actor=user,
                            data=upload.read(),
                            keep_location=data["keep_location"],
                        )
                    except DomainError as exc:
                        exc.fields = {"photos": [f"{upload.name}：{exc.message}"]}
                        raise
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已上报线索{lead.number}，调委会将尽快研判。")
            return redirect("screening:lead", lead.pk)
    return render(request, "screening/report.html", {"form": form})


@login_required
def lead_detail(request, pk: int):
    lead = _lead_or_404(request, pk)
    user = request.user
    full = sees_lead_personal_data(user, lead)
    people = [
        {
            "name": p.name,
            "role": PartyRole(p.role).label if p.role else "",
            "phone": p.phone if full else mask(p.phone),
        }
        for p in lead.people.all()
    ]
    allowed = lead_selectors.allowed_lead_transitions(lead, user)
    staff = bool(lead_roles(user, lead) - {Role.GRID_WORKER})
    return render(
        request,
        "screening/lead.html",
        {
            "may_view_stats": stats_access.may_view(request.user),
            "lead": lead,
            "people": people,
            "transitions": [(name, LEAD_SPECS[name].label) for name in allowed],
            "overdue": lead_selectors.is_overdue(lead),
            "due": deadlines.lead_due(lead.status, lead.triage_due, lead.next_check_on),
            "events": [
                {"event": e, "label": lead_selectors.lead_event_label(e.name)}
                for e in lead.events.all()
            ],
            "repeat_visible": bool(
                lead.repeat_of_id
                and Lead.objects.visible_to(user).filter(pk=lead.repeat_of_id).exists()
            ),
            "staff": staff,
            "case_visible": lead.case is not None and bool(scope.roles_for_case(user, lead.case)),
            # its own documents (the FBK when it ended without a case), PDF for who may read it
            "documents": document_access.lead_documents(user, lead),
        },
    )


@login_required
def lead_act(request, pk: int, name: str):
    lead = _lead_or_404(request, pk)
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None or name not in LEAD_SPECS:
        raise Http404("没有这个操作。")
    spec = LEAD_SPECS[name]
    data = request.POST or None
    form = ToCaseForm(data, lead=lead) if form_class is ToCaseForm else form_class(data)
    if request.method == "POST" and form.is_valid():
        version = request.POST.get("version", "")
        try:
            services.lead_transition(
                lead,
                name,
                actor=request.user,
                version=int(version) if version.isdigit() and len(version) < 10 else -1,
                ip=_ip(request),
                **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{lead.number}：已办理“{spec.label}”。")
            if name == "to_case" and lead.case_id:
                return redirect("cases:detail", lead.case_id)
            return redirect("screening:lead", lead.pk)
    elif request.method != "POST":
        # a GET shows the form; the role is checked now, not only on submit
        from screening.scope import check_lead_role

        try:
            check_lead_role(request.user, lead, spec.roles, spec.label)
        except ServicePermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
    preview = None
    if name == "to_case":
        preview = {
            "summary": case_summary(lead),
            "parties": [{**p, "role": PartyRole(p["role"]).label} for p in case_parties(lead)],
        }
    return render(
        request,
        "screening/act.html",
        {"lead": lead, "form": form, "label": spec.label, "name": name, "preview": preview},
    )


@login_required
def lead_photo(request, pk: int, thumb: bool = False):
    photo = get_object_or_404(
        LeadPhoto.objects.filter(lead__in=Lead.objects.visible_to(request.user).values("pk")),
        pk=pk,
    )
    if not sees_lead_personal_data(request.user, photo.lead):
        # a photo may show the people: supervisors see the lead, not its photos (as for cases)
        raise DjangoPermissionDenied("督导员不能查看线索照片。")
    if thumb:
        with photo.file.open("rb") as handle:
            return HttpResponse(images.thumbnail(handle.read()), content_type="image/jpeg")
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


# --- sweeps -------------------------------------------------------------------------------
@login_required
def sweep_list(request):
    user = request.user
    supervisor = scope.is_admin(user) or any(
        m.role == Role.SUPERVISOR for m in scope.memberships(user)
    )
    form = SweepForm(request.POST or None, user=user) if supervisor else None
    if request.method == "POST":
        if form is None:
            raise DjangoPermissionDenied("“发起排查活动”只能由督导员办理。")
        if form.is_valid():
            try:
                sweep = services.sweep_open(actor=user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已发起排查活动“{sweep.name}”。")
                return redirect("screening:sweep", sweep.pk)
    today = timezone.localdate()
    sweeps = list(lead_selectors.sweeps_for(user).order_by("-starts_on", "-pk")[:50])
    return render(
        request,
        "screening/sweeps.html",
        {
            "sweeps": sweeps,
            "form": form,
            "today": today,
            "may_view_stats": stats_access.may_view(request.user),
        },
    )


@login_required
def sweep_detail(request, pk: int):
    user = request.user
    sweep = get_object_or_404(lead_selectors.sweeps_for(user), pk=pk)
    running = sweep.starts_on <= timezone.localdate() <= sweep.ends_on
    progress = sweep_progress(sweep)
    rows = [
        {
            "row": row,
            "may_report": running
            and row.status == "missing"
            and may_report_for(user, row.unit.region, committee=row.unit.organization is not None),
        }
        for row in progress
    ]
    totals = {
        key: sum(getattr(r, key) for r in progress)
        for key in ("leads", "high", "triaged", "resolved")
    }
    counts = {s: sum(r.status == s for r in progress) for s in ("reported", "zero", "missing")}
    return render(
        request,
        "screening/sweep.html",
        {
            "may_view_stats": stats_access.may_view(request.user),
            "sweep": sweep,
            "rows": rows,
            "totals": totals,
            "counts": counts,
            "may_open": may_open_sweep(user, sweep.region),
        },
    )


@login_required
@require_POST
def sweep_report(request, pk: int):
    user = request.user
    sweep = get_object_or_404(lead_selectors.sweeps_for(user), pk=pk)
    form = ZeroReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "报告内容有误，请重试。")
        return redirect("screening:sweep", sweep.pk)
    try:
        services.sweep_report(
            sweep,
            actor=user,
            region=form.cleaned_data["region"],
            zero=form.cleaned_data["zero"],
            note=form.cleaned_data["note"],
        )
    except ServicePermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        word = "零报告" if form.cleaned_data["zero"] else "报告"
        messages.success(request, f"已提交{word}。")
    return redirect("screening:sweep", sweep.pk)
