"""The error summary at the top of a form (includes/error_summary.html): one line per field
with an error, each a link to the field, and every message names its field ("请填写调解地点")."""

from __future__ import annotations

from django import forms as django_forms
from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Widgets that are chosen, not typed: "请选择…" rather than "请填写…".
_CHOSEN = {"select", "selectmultiple", "checkboxselectmultiple", "radioselect", "checkbox"}


def field_target(bound) -> str:
    """The id of the element a summary link leads to: the input itself, or the first box of a
    group of check boxes or radio buttons (whose label has no `for`)."""
    if bound.field.widget.use_fieldset and bound.subwidgets:
        return bound.subwidgets[0].id_for_label or bound.auto_id
    return bound.id_for_label or bound.auto_id


def field_messages(bound) -> list[str]:
    """The field's errors, each naming the field: as it stands when it does (core.forms words
    them so), else a missing value as 请填写/请选择 + label, any other as "label：message"."""
    label = str(bound.label or bound.name)
    data = bound.form.errors.as_data().get(bound.name, [])
    out = []
    for error, text in zip(data, bound.errors, strict=False):
        if label in str(text):
            out.append(str(text))
        elif getattr(error, "code", None) == "required":
            verb = _("请选择") if bound.widget_type in _CHOSEN else _("请填写")
            out.append(f"{verb}{label}")
        else:
            out.append(_("%(label)s：%(message)s") % {"label": label, "message": text})
    return out


def _form_items(form, prefix: str = "") -> list[dict]:
    items = [{"href": "", "text": str(e)} for e in form.non_field_errors()]
    for bound in form.visible_fields():
        if bound.errors:
            target = field_target(bound)
            for text in field_messages(bound):
                items.append({"href": f"#{target}" if target else "", "text": prefix + text})
    for bound in form.hidden_fields():
        for e in bound.errors:  # a hidden field's error is the form's to show
            items.append({"href": "", "text": prefix + str(e)})
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms, party_label: str = ""):
    """{% error_summary form parties %}: forms and formsets, in the order they stand on the
    page. A formset's forms are prefixed with `party_label` and their number."""
    items: list[dict] = []
    for form in forms:
        if form is None or not getattr(form, "is_bound", False):
            continue
        if isinstance(form, django_forms.BaseFormSet):
            items += [{"href": "", "text": str(e)} for e in form.non_form_errors()]
            for n, sub in enumerate(form.forms, start=1):
                prefix = f"{party_label} {n} · " if party_label else f"{n} · "
                items += _form_items(sub, prefix)
        else:
            items += _form_items(form)
    return {"items": items, "count": len(items)}


@register.filter
def named_errors(bound) -> list[str]:
    """The field's messages as the summary words them (for a field's own error line)."""
    return field_messages(bound)


@register.filter
def chips(bound) -> dict | None:
    """What a form offers for this field as chips (web/forms.py `_RecordForm.CHIPS`, the
    agreement's): {"mode": "one" | "many", "items": [(value, label), ...]}, or None. An offer is
    a value, or a (value, label) pair when the label is not what goes in the field (a date)."""
    mode, offers = getattr(bound.form, "chips", {}).get(bound.name, ("", []))
    items = [o if isinstance(o, tuple) else (o, o) for o in offers]
    return {"mode": mode, "items": items} if items else None
