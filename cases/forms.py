"""Forms of the case pages. They only parse and validate input; every change goes through
workflows.services, whose domain errors the views turn into form errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import scope
from cases.choices import RiskLevel, Status
from cases.models import DisputeType, Region

OVERDUE_CHOICES = [("", _("全部")), ("yes", _("已超期")), ("no", _("未超期"))]


class CaseFilterForm(forms.Form):
    """The case list's search and filters (GET). `filters()` gives the dict that
    cases.selectors.filter_cases takes, the same one the API builds."""

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
