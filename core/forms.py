"""Form errors that name their field (issue 14): "请填写调解地点", not "该字段是必填项。".

The error summary at the top of a page lists every message; a message that does not say which
field it belongs to is useless there, and on a phone the field itself may be two screens away.
`NamedErrorsMixin` rewrites, per form instance, each of Django's generic messages that a field
still carries (one a field sets itself is kept) into one that names the field by its label.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

CHOOSE = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField)

# key → message, for a field of the given kind; {label} is the field's label.
MESSAGES: dict[str, Promise] = {
    "required": _("请填写{label}。"),
    "max_length": _("{label}最多 %(limit_value)d 个字（现在 %(show_value)d 个）。"),
    "min_length": _("{label}至少 %(limit_value)d 个字（现在 %(show_value)d 个）。"),
    "invalid_choice": _("{label}：请从列表中选择。"),
}
VALIDATED = {"max_length", "min_length"}
BY_KIND: list[tuple[type[forms.Field] | tuple[type[forms.Field], ...], dict[str, Promise]]] = [
    (forms.FileField, {"required": _("请选择要上传的{label}。")}),
    (CHOOSE, {"required": _("请选择{label}。")}),
    (forms.SplitDateTimeField, {"invalid": _("{label}：请填写完整的日期和时间。")}),
    (forms.DateTimeField, {"invalid": _("{label}：请填写完整的日期和时间。")}),
    (forms.DateField, {"invalid": _("{label}：请按“年-月-日”填写日期，例如 2026-12-01。")}),
    (forms.TimeField, {"invalid": _("{label}：请按“时:分”填写时间。")}),
    (
        (forms.IntegerField, forms.DecimalField, forms.FloatField),
        {"invalid": _("{label}：请填写数字。")},
    ),
]


def _defaults(field: forms.Field) -> dict[str, Any]:
    """The messages Django gives a field of this class when it sets none itself."""
    messages: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _label(field: forms.Field, name: str) -> str:
    label = str(field.label or name.replace("_", " "))
    return label.rstrip("：:。 ")


def name_errors(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        specific: dict[str, Promise] = {}
        for kinds, messages in BY_KIND:  # the first kind that matches wins
            if isinstance(field, kinds):
                for key, message in messages.items():
                    specific.setdefault(key, message)
        defaults = _defaults(field)
        label = _label(field, name)
        for key, message in (MESSAGES | specific).items():
            current = field.error_messages.get(key)
            # The length messages come from validators: a field has them only if it sets them.
            generic = current == defaults.get(key) if current is not None else key in VALIDATED
            if generic:
                field.error_messages[key] = format_lazy(str(message), label=label)


class NamedErrorsMixin:
    """Put first in a form's bases: every generic message names its field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_errors(self)  # type: ignore[arg-type]
