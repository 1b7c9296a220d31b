"""The party's rating page under /p/ (SPEC §14 评价): one question — how satisfied — as three big
choices, and a comment if they want; then a thank-you on the follow page. The party session of
portal/views.py; the rating itself is portal/ratings.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cases.choices import Satisfaction
from core.errors import DomainError
from core.net import client_ip
from portal import ratings
from portal.views import _party

CHOICES = [
    (Satisfaction.SATISFIED.value, "满意", "问题解决得好，调解员办事公道"),
    (Satisfaction.BASICALLY_SATISFIED.value, "基本满意", "大体解决了，还有些地方可以更好"),
    (Satisfaction.UNSATISFIED.value, "不满意", "问题没解决好，或者办事不公道"),
]


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest) -> HttpResponse:
    party = _party(request)
    if party is None:
        return redirect("portal:start")
    case, phone = party
    now = ratings.state(case, phone)
    context: dict[str, object] = {"choices": CHOICES, "state": now, "chosen": "", "comment": ""}
    if request.method == "POST" and now["can_rate"]:
        chosen = request.POST.get("satisfaction", "")
        comment = request.POST.get("comment", "")
        try:
            ratings.rate(
                case, phone=phone, satisfaction=chosen, comment=comment, ip=client_ip(request)
            )
        except DomainError as error:
            context |= {"error": str(error), "chosen": chosen, "comment": comment}
            return render(request, "portal/rate.html", context, status=422)
        return redirect("portal:rate")
    return render(request, "portal/rate.html", context)
