from django import template

from supervision import exports

register = template.Library()


@register.filter
def pct(value) -> str:
    return exports.text(value, exports.PCT)


@register.filter
def money(value) -> str:
    return exports.text(value, exports.MONEY)


@register.filter
def days(value) -> str:
    return exports.text(value, exports.DAYS)


@register.filter
def share(value, top) -> float:
    """Width in % of a bar for `value` against the largest value `top`."""
    return round(100 * value / top, 1) if top else 0
