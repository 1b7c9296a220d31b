"""`{% agreement_draft_panel case %}`: the 签署协议 panel of the staff case page
(web/views/agreement_draft.py decides what it shows)."""

from django import template

from web.views.agreement_draft import panel

register = template.Library()


@register.inclusion_tag("cases/_agreement_draft.html", takes_context=True)
def agreement_draft_panel(context, case):
    return panel(context["request"].user, case)
