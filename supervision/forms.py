"""The 督办 confirmation form (web/views/supervision.py::supervise)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NamedErrorsMixin


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SuperviseConfirmForm(NamedErrorsMixin, forms.Form):
    content = forms.CharField(
        label=_("督办事项"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写督办事项。")},
    )
    reply_by = forms.DateField(
        label=_("反馈期限"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("日期格式应为 YYYY-MM-DD。")},
    )
    force = forms.BooleanField(label=_("仍要再次督办"), required=False)
    kind = forms.CharField(required=False, widget=forms.HiddenInput())
    next = forms.CharField(required=False, widget=forms.HiddenInput())
