"""Forms of the case pages. They only parse and validate input; every change goes through
workflows.services, whose domain errors the views turn into form errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import identity, scope
from cases.choices import (
    ETHNICITY_CHOICES,
    RECORDED_RISK_FACTORS,
    AgreementKind,
    ApplicationKind,
    ConfirmationResult,
    FollowUpMethod,
    Gender,
    IdType,
    PartyKind,
    PartyRole,
    Performance,
    RiskFactor,
    RiskLevel,
    Role,
    Satisfaction,
    Source,
    Status,
    ethnicity_name,
)
from cases.models import (
    DisputeType,
    InvestigationRecord,
    MediationSession,
    Organization,
    Region,
    display_name,
)
from cases.validators import validate_phone
from core import images
from core.errors import InvalidInput
from core.forms import NamedErrorsMixin
from core.parsing import clean_terms
from workflows.services import decimal_or_none, not_future


class Form(NamedErrorsMixin, forms.Form):
    """Every form of the pages: its errors name their field (core.forms)."""


class LoginForm(NamedErrorsMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(NamedErrorsMixin, auth_forms.PasswordChangeForm):
    pass


RISK_CHOICES = [(f, RiskFactor(f).label) for f in RECORDED_RISK_FACTORS]
OVERDUE_CHOICES = [("", _("全部")), ("yes", _("已超期")), ("no", _("未超期"))]


class CaseFilterForm(Form):
    """The case list's search and filters (GET). `filters()` gives the dict that
    workflows.selectors.filter_cases takes, the same one the API builds."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("案号、当事人姓名或电话")}),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))] + [c for c in Status.choices if c[0] != Status.NEW],
    )
    dispute_type = forms.ChoiceField(label=_("纠纷类型"), required=False)
    region = forms.ModelChoiceField(
        label=_("区域"), required=False, queryset=Region.objects.none(), empty_label=_("全部")
    )
    overdue = forms.ChoiceField(label=_("期限"), required=False, choices=OVERDUE_CHOICES)
    risk = forms.ChoiceField(
        label=_("风险"), required=False, choices=[("", _("全部"))] + RiskLevel.choices
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(
            scope.visible_regions_q(user)
        ).order_by("path")
        self.fields["region"].label_from_instance = lambda r: r.full_name
        self.fields["dispute_type"].choices = [("", _("全部"))] + [
            (t.code, t.name)
            for t in DisputeType.objects.filter(taxonomy__is_current=True).order_by("order", "code")
        ]

    def filters(self) -> dict:
        f = dict(self.cleaned_data)
        f["overdue"] = {"yes": True, "no": False}.get(f.get("overdue") or "")
        return f


# --- registration -------------------------------------------------------------------------
class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AmountField(forms.CharField):
    """An amount as people write it: 1200, 1,200, 1200元, 1.2万, 1.2万元 (the service's parser,
    workflows.services.inputs.decimal_or_none, so the page and the API read it alike)."""

    def __init__(self, *, name: str, **kwargs):
        self.name = name
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "placeholder": _("如 1200 或 1.2万")}),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)  # the text's own checks (length) first
        try:
            return decimal_or_none(text, self.name)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message, code="invalid_amount") from None

    def prepare_value(self, value):
        return "" if value is None else str(value)


class EthnicityField(forms.ChoiceField):
    """One of the 56 groups (cases.choices.ETHNIC_GROUPS); "汉" is read as 汉族."""

    def to_python(self, value):
        text = super().to_python(value)
        return ethnicity_name(text) or text


def _past(value, name: str):
    """The service's rule (no date in the future for what already happened), under the field."""
    try:
        not_future(value, name)
    except InvalidInput as exc:
        raise forms.ValidationError(exc.message, code="future") from None
    return value


def _now_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def _regions(user):
    return Region.objects.filter(scope.visible_regions_q(user)).order_by("path")


class RegisterForm(Form):
    organization = forms.ModelChoiceField(label=_("调委会"), queryset=Organization.objects.none())
    region = forms.ModelChoiceField(label=_("纠纷发生地"), queryset=Region.objects.none())
    dispute_type = forms.ModelChoiceField(label=_("纠纷类型"), queryset=DisputeType.objects.none())
    source = forms.ChoiceField(label=_("案件来源"), choices=Source.choices)
    application_kind = forms.ChoiceField(label=_("申请方式"), choices=ApplicationKind.choices)
    occurred_on = forms.DateField(label=_("纠纷发生日期"), required=False, widget=DateInput())
    summary = forms.CharField(label=_("纠纷简要情况"), widget=forms.Textarea(attrs={"rows": 4}))
    requests = forms.CharField(
        label=_("当事人请求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount_involved = AmountField(name="amount_involved", label=_("涉及金额（元）"))
    risk_factors = forms.MultipleChoiceField(
        label=_("风险因素"),
        required=False,
        choices=RISK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    # Shown (a checkbox) only when the service found the same case registered minutes ago.
    confirm_duplicate = forms.BooleanField(
        label=_("确认再登记一件"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(scope.organizations_q(user))
        if not scope.is_admin(user):
            ids = [
                m.organization_id
                for m in scope.memberships(user)
                if m.role in (Role.CLERK, Role.DIRECTOR)
            ]
            orgs = orgs.filter(pk__in=ids)
        self.fields["organization"].queryset = orgs.order_by("name")
        if orgs.count() == 1:
            self.fields["organization"].initial = orgs.first()
        # SPEC §12: a case is registered only in a region inside the committee's region (the
        # service checks the chosen pair; admins, who may pick any committee, see every region).
        regions = _regions(user)
        if not scope.is_admin(user):
            regions = regions.filter(scope.registration_regions_q(orgs.select_related("region")))
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: r.full_name
        self.fields["dispute_type"].queryset = DisputeType.objects.filter(
            taxonomy__is_current=True
        ).order_by("order", "code")

    def clean_occurred_on(self):
        return _past(self.cleaned_data.get("occurred_on"), "occurred_on")

    def ask_duplicate(self, message: str) -> None:
        """The service found this case registered minutes ago: warn and offer the checkbox."""
        field = self.fields["confirm_duplicate"]
        field.widget = forms.CheckboxInput()
        field.help_text = _("勾选后再次提交即登记为新案件。")
        self.add_error(None, message)


class PartyForm(Form):
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices)
    kind = forms.ChoiceField(label=_("类别"), choices=PartyKind.choices)
    name = forms.CharField(label=_("姓名/名称"), max_length=100)
    gender = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", "—"), *Gender.choices]
    )
    ethnicity = EthnicityField(
        label=_("民族"), required=False, choices=[("", "—"), *ETHNICITY_CHOICES]
    )
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        widget=DateInput(),
        help_text=_("留空时按居民身份证号自动填写出生日期和性别。"),
    )
    id_type = forms.ChoiceField(
        label=_("证件类型"),
        required=False,
        choices=[("", _("按号码判断（18位为居民身份证）")), *IdType.choices],
        help_text=_("不填号码即为“无/不详”：当事人未带证件也可登记。"),
        # the page shows the chosen type's hint under the number (register.html)
        widget=forms.Select(
            attrs={"data-id-hints": json.dumps(identity.HINTS, ensure_ascii=False)}
        ),
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        required=False,
        max_length=20,
        help_text=_("居民身份证18位，末位可为X；其他证件按所选类型填写。"),
    )
    id_country = forms.CharField(
        label=_("签发国家（护照）"),
        required=False,
        max_length=3,
        help_text=_("三位字母代码，如 USA、KOR"),
    )
    phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=20, validators=[validate_phone]
    )
    address = forms.CharField(label=_("住址"), required=False, max_length=200)
    occupation = forms.CharField(label=_("职业"), required=False, max_length=100)
    uscc = forms.CharField(label=_("统一社会信用代码（组织）"), required=False, max_length=18)
    legal_representative = forms.CharField(
        label=_("法定代表人（组织）"), required=False, max_length=100
    )

    def clean_birth_date(self):
        return _past(self.cleaned_data.get("birth_date"), "birth_date")

    def clean(self) -> dict[str, Any]:
        """The number checked by its type here, so the error stands under the field."""
        data = super().clean() or {}
        id_type = data.get("id_type") or identity.infer_type(data.get("id_number", ""))
        try:
            data["id_number"] = identity.check(
                id_type, data.get("id_number", ""), country=data.get("id_country", "")
            )
        except ValidationError as exc:
            self.add_error(identity.field_of(exc), exc)
        else:
            data["id_type"] = id_type
        try:
            data["uscc"] = identity.check_uscc(data.get("uscc", ""))
        except ValidationError as exc:
            self.add_error("uscc", exc)
        return data

    def notices(self) -> list[str]:
        data = getattr(self, "cleaned_data", None) or {}
        return identity.notices(data.get("id_type", ""), data.get("id_number", ""))


class _PartyFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        roles = [f.cleaned_data.get("role") for f in self.forms if f.cleaned_data]
        if PartyRole.APPLICANT not in roles:
            raise forms.ValidationError(_("至少需要一名申请人。"))


PartyFormSet = forms.formset_factory(
    PartyForm, formset=_PartyFormSet, extra=0, min_num=2, validate_min=False, max_num=30
)


# --- actions (each calls one service function; see cases/actions.py) ---------------------
def _members(case, roles=(Role.MEDIATOR, Role.DIRECTOR)):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=case.organization_id,
            memberships__role__in=roles,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


class CaseActionForm(Form):
    """Action forms know their case (choices depend on it) and the user (initial values)."""

    def __init__(self, *args, case, user=None, **kwargs):
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)


class ConfirmForm(CaseActionForm):
    pass


class ReasonForm(CaseActionForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))


class MediatorsForm(CaseActionForm):
    mediators = forms.ModelMultipleChoiceField(
        label=_("承办调解员"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = _members(self.case)
        self.fields["mediators"].label_from_instance = lambda u: display_name(u)
        self.fields["mediators"].initial = list(self.case.mediators.all())


class ReassignForm(MediatorsForm):
    reason = forms.CharField(label=_("理由"), required=False)


class WithdrawForm(CaseActionForm):
    party = forms.ChoiceField(label=_("撤回方"))
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "—")] + [
            (p.name, f"{p.get_role_display()}：{p.name}") for p in self.case.parties.all()
        ]


class ExtendForm(CaseActionForm):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=30)
    consent = forms.BooleanField(
        label=_("双方当事人均已同意延长"),
        required=False,
        help_text=_("延长调解期限须经双方当事人同意。"),
    )
    reason = forms.CharField(label=_("理由"), required=False)


class PhotoInput(forms.ClearableFileInput):
    """The phone's camera first (`capture`), several at once; photos.js shrinks each on the
    phone before it is sent (and so drops its location there already)."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        base = {"accept": "image/jpeg,image/png", "capture": "environment", "data-photos": ""}
        super().__init__({**base, **(attrs or {})})


class PhotoField(forms.FileField):
    """Evidence photos: each cleaned by core.images (JPEG/PNG by content, upright, location
    gone); the cleaned value is the list of CleanPhoto."""

    widget = PhotoInput

    def __init__(self, *, max_count: int = 9, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            return super().clean(None, initial) or []
        if len(files) > self.max_count:
            raise forms.ValidationError(
                _("%(label)s最多 %(n)d 张。") % {"label": self.label, "n": self.max_count}
            )
        cleaned = []
        for number, upload in enumerate(files, start=1):
            try:
                cleaned.append(images.clean_photo(upload.read()))
            except images.PhotoRejected as exc:
                raise forms.ValidationError(
                    _("%(label)s第 %(n)d 张：%(reason)s")
                    % {"label": self.label, "n": number, "reason": exc.message}
                ) from None
        return cleaned


class AgreementForm(CaseActionForm):
    kind = forms.ChoiceField(label=_("协议形式"), choices=AgreementKind.choices)
    terms = forms.CharField(
        label=_("协议条款"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一条，无需编号：协议书自动编为一、二、三……"),
    )
    performance_method = forms.CharField(label=_("履行方式"), max_length=200)
    performance_deadline = forms.DateField(label=_("履行期限"), widget=DateInput())
    amount = AmountField(name="amount", label=_("协议金额（元）"))
    facts = forms.CharField(
        label=_("纠纷事实、争议事项"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsibilities = forms.CharField(
        label=_("各方责任"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signatures_complete = forms.BooleanField(
        label=_("当事人、调解员已签名，已加盖调委会印章"),
        required=False,
        help_text=_("书面协议须各方签名盖章后方可登记。"),
    )
    signed_photos = PhotoField(
        label=_("签字协议照片"),
        max_count=4,
        help_text=_("可拍下各方签名盖章后的纸质协议，随卷归档。"),
    )

    # How agreements are usually performed, and the usual terms for it, offered as chips (a tap
    # fills the field in).
    METHODS = ["当场履行", "自行履行", "分期履行", "银行转账"]
    TERMS_DAYS = (7, 15, 30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        by = [today + dt.timedelta(days=d) for d in self.TERMS_DAYS]
        self.chips = {
            "performance_method": ("one", self.METHODS),
            "performance_deadline": (
                "one",
                [
                    (day.isoformat(), f"{d}日内（{day.month}月{day.day}日）")
                    for d, day in zip(self.TERMS_DAYS, by, strict=True)
                ],
            ),
        }

    def clean_terms(self):
        terms = clean_terms(self.cleaned_data["terms"])  # a typed "一、" or "1." is dropped
        if not terms:
            raise forms.ValidationError(_("请至少填写一条协议条款。"))
        return terms


class ApproveClosureForm(CaseActionForm):
    summary_of_work = forms.CharField(
        label=_("结案报告（调解工作情况）"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary_of_work"].initial = self.case.summary_of_work


class EscalateForm(CaseActionForm):
    organization = forms.ModelChoiceField(label=_("上报至"), queryset=Organization.objects.none())
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # SPEC §12: only the committees above the case's region (the service refuses others).
        targets = Organization.objects.filter(scope.escalation_targets_q(self.case))
        self.fields["organization"].queryset = targets.order_by("region__path", "name")
        if not targets.exists():
            self.fields["organization"].help_text = _(
                "本案发生地没有上级调委会可以上报（上报只能报至乡镇、县级等上级调委会）。"
            )


class SuperviseForm(CaseActionForm):
    content = forms.CharField(label=_("督办事项"), widget=forms.Textarea(attrs={"rows": 4}))
    reply_by = forms.DateField(label=_("反馈期限"), required=False, widget=DateInput())
    force = forms.BooleanField(
        label=_("仍要再次督办"),
        required=False,
        help_text=_("24 小时内已督办过本案时，勾选此项才会再发一份督办通知。"),
    )


class RiskForm(CaseActionForm):
    factors = forms.MultipleChoiceField(
        label=_("风险因素"),
        required=False,
        choices=RISK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factors"].initial = list(self.case.risk_factors)


class ScheduleForm(CaseActionForm):
    """安排调解: when and where the next session is (announced to the parties by SMS); the place
    starts as the last one used."""

    held_at = forms.DateTimeField(
        label=_("调解时间"), widget=DateTimeInput(), help_text=_("当事人会收到短信通知")
    )
    place = forms.CharField(label=_("调解地点"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last = _last_place(MediationSession, self.case, "held_at") or _last_place(
            InvestigationRecord, self.case, "conducted_at"
        )
        if last:
            self.fields["place"].initial = last


class ReportRiskForm(CaseActionForm):
    reported_to = forms.CharField(label=_("报告对象（公安机关或综治中心）"), max_length=100)
    reason = forms.CharField(label=_("说明"), required=False)


def _last_place(model, case, moment: str) -> str | None:
    """The place of the case's latest current record of `model` (the next one is often there)."""
    return (
        model.objects.filter(case=case, superseded_by=None)
        .exclude(place="")
        .order_by(f"-{moment}", "-pk")
        .values_list("place", flat=True)
        .first()
    )


class _RecordForm(CaseActionForm):
    """Records are model forms over the record's own fields; the service does full_clean.
    The time it happened starts at now and may not be later (the service refuses it too)."""

    MOMENT = ""
    # Fields the case's people are offered for as chips (a tap fills the name in): "one" puts
    # the tapped name in the field, "many" adds it to those there (参加人).
    CHIPS: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.MOMENT].initial = _now_minute
        self.chips = {name: (mode, self._people(mode)) for name, mode in self.CHIPS.items()}

    def _people(self, mode: str) -> list[str]:
        """The parties' names; for a list of those present, the case's mediators too."""
        names = [p.name for p in self.case.parties.all()]
        if mode == "many":
            names += [display_name(m) for m in self.case.mediators.order_by("pk")]
        return list(dict.fromkeys(n for n in names if n))

    def clean(self):
        data = super().clean() or {}
        if data.get(self.MOMENT):
            try:
                _past(data[self.MOMENT], self.MOMENT)
            except forms.ValidationError as exc:
                self.add_error(self.MOMENT, exc)
        return data


class InvestigationForm(_RecordForm):
    MOMENT = "conducted_at"
    CHIPS = {"interviewee": "one"}
    conducted_at = forms.DateTimeField(label=_("调查时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("调查地点"), max_length=200)
    interviewee = forms.CharField(label=_("被调查人"), max_length=100)
    recorder = forms.CharField(label=_("记录人"), max_length=50, required=False)
    content = forms.CharField(label=_("调查内容"), widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotoField(
        label=_("证据照片"),
        help_text=_("可用手机直接拍照，最多 9 张；照片中的拍摄位置会被去除。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["recorder"].initial = display_name(self.user)
        last = _last_place(InvestigationRecord, self.case, "conducted_at")
        if last:  # a second investigation is usually where the first was
            self.fields["place"].initial = last


class SessionForm(_RecordForm):
    MOMENT = "held_at"
    CHIPS = {"attendees": "many"}
    held_at = forms.DateTimeField(label=_("调解时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("调解地点"), max_length=200)
    attendees = forms.CharField(label=_("参加人"), widget=forms.Textarea(attrs={"rows": 2}))
    content = forms.CharField(
        label=_("调解情况（各方陈述）"), widget=forms.Textarea(attrs={"rows": 5})
    )
    facts_verified = forms.CharField(
        label=_("查明事实"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    result = forms.CharField(
        label=_("调解结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last = _last_place(MediationSession, self.case, "held_at") or _last_place(
            InvestigationRecord, self.case, "conducted_at"
        )
        if last:  # where the case's last session was held, else where it was investigated
            self.fields["place"].initial = last


# A finding is chosen, never preselected.
CHOOSE = ("", _("请选择"))


class FollowUpForm(_RecordForm):
    MOMENT = "visited_at"
    CHIPS = {"visitee": "one"}
    visited_at = forms.DateTimeField(label=_("回访时间"), widget=DateTimeInput())
    method = forms.ChoiceField(label=_("回访方式"), choices=FollowUpMethod.choices)
    visitee = forms.CharField(label=_("被回访人"), max_length=100)
    performance = forms.ChoiceField(label=_("协议履行情况"), choices=[CHOOSE, *Performance.choices])
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=[CHOOSE, *Satisfaction.choices])
    new_risks = forms.CharField(
        label=_("新的风险苗头"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PartyAddForm(CaseActionForm, PartyForm):
    pass


class JudicialResultForm(CaseActionForm):
    """登记法院审查结果 (workflows.services.judicial.judicial_result_record)."""

    result = forms.ChoiceField(
        label=_("审查结果"),
        choices=[
            (ConfirmationResult.CONFIRMED, _("确认有效")),
            (ConfirmationResult.REJECTED, _("驳回申请（不予确认）")),
        ],
    )
    result_on = forms.DateField(label=_("裁定日期"), widget=DateInput())


class JudicialConfirmationForm(CaseActionForm):
    applied_on = forms.DateField(label=_("申请日期"), widget=DateInput())
    court = forms.CharField(label=_("受理的人民法院"), max_length=100)
    result = forms.ChoiceField(label=_("结果"), choices=ConfirmationResult.choices)
    result_on = forms.DateField(label=_("结果日期"), required=False, widget=DateInput())
