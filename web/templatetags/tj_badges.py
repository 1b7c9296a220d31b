"""A case's risk badge and its stage deadline with the overdue / due-soon badge, as the case list,
the task list, the task page and the case page show them (one definition; tags, not includes,
on the lists' rows)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

# state → (css modifier, words)
_DEADLINE = {"overdue": ("bad", "已超期"), "due_soon": ("warn", "即将到期")}


@register.simple_tag
def risk_badge(case) -> SafeString:
    return format_html(
        '<span class="tj-badge tj-badge--risk-{0}" data-risk="{0}">{1}</span>',
        case.risk_level,
        case.get_risk_level_display(),
    )


@register.simple_tag
def deadline_badge(case, state: str = "") -> SafeString:
    """The deadline (Y-m-d, or — without one) and, for "overdue" or "due_soon", its badge."""
    if not case.deadline:
        return SafeString("—")
    date = f"{case.deadline:%Y-%m-%d}"
    if state not in _DEADLINE:
        return format_html("{}", date)
    css, words = _DEADLINE[state]
    return format_html(
        '{} <span class="tj-badge tj-badge--{}" data-deadline="{}">{}</span>',
        date,
        css,
        state,
        _(words),
    )
