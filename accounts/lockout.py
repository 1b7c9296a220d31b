"""The answer to a locked-out login (SPEC §12), django-axes' `AXES_LOCKOUT_CALLABLE`.

django-axes counts the failures of a username in its `AccessAttempt` rows (the database, so every
worker and node shares them; `AXES_LOCKOUT_PARAMETERS = ["username"]`: from any address) and,
once `AXES_FAILURE_LIMIT` is reached, flags the request; its middleware then calls
`lockout_response`. Under `/api/` the answer is the API's JSON error (429, `Retry-After`); on the
web form and the admin login it is the same login page re-rendered with the Chinese message,
status 429. "Until when" is computed from the attempts themselves (`locked_until`).

An admin unlocks a username by deleting its rows under 系统管理 › Axes › Access attempts, or with
`manage.py axes_reset_username <username>`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext

API_PREFIX = "/api/"
DEFAULT_COOL_OFF = timedelta(minutes=15)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    return get_cool_off(request) or DEFAULT_COOL_OFF


def locked_until(
    username: str | None, *, limit: int, period: timedelta, now: datetime | None = None
) -> datetime | None:
    """When the lock of `username` ends, from its AccessAttempt rows (one per address and
    browser, each with its failure count and the time of its last failure); None if it is not
    locked. The newest rows count first: the lock holds while the rows whose last failure is
    within `period` add up to `limit`, i.e. until the row that reaches the limit ages out."""
    if not username:
        return None
    now = now or timezone.now()
    rows = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - period).order_by(
        "-attempt_time"
    )
    total = 0
    for attempt_time, failures in rows.values_list("attempt_time", "failures_since_start"):
        total += failures
        if total >= limit:
            ends: datetime = attempt_time + period
            return ends
    return None


def until_label(until: datetime, now: datetime) -> str:
    """Local time, rounded up to the minute (trying at the time shown works); the date too when
    it is not today."""
    local = timezone.localtime(until)
    if local.second or local.microsecond:
        local = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if local.date() != timezone.localtime(now).date():
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%H:%M}"


def lockout_message(limit: int, until: str) -> str:
    return gettext(
        "该账户连续 %(limit)d 次密码错误，已锁定至 %(until)s。请届时再试，或请系统管理员解锁。"
    ) % {"limit": limit, "until": until}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: called by axes.middleware.AxesMiddleware (with the response the
    login view gave) when the request's login was refused or reached the limit."""
    now = timezone.now()
    limit = get_failure_limit(request, credentials)
    period = cool_off(request)
    username = get_client_username(request, credentials)
    until = locked_until(username, limit=limit, period=period, now=now) or now + period
    message = lockout_message(limit, until_label(until, now))
    retry_after = max(1, math.ceil((until - now).total_seconds()))

    if request.path_info.startswith(API_PREFIX):
        body = {"error": {"code": "account_locked", "message": message, "fields": {}}}
        response: HttpResponse = JsonResponse(
            body, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = _login_page(request, original_response, message)
    response["Retry-After"] = str(retry_after)
    return response


def _login_page(
    request: HttpRequest, original: HttpResponse | None, message: str
) -> TemplateResponse:
    """The login page the view answered (ours or the admin's), again, with the lockout message
    as the form's only error and `lockout_message` in the context."""
    if isinstance(original, TemplateResponse) and original.context_data is not None:
        template: Any = original.template_name
        context = dict(original.context_data)
    else:
        template, context = "registration/login.html", {}
    form = context.get("form")
    if form is None:
        # Unbound: binding it would validate it, i.e. try the password once more.
        username = request.POST.get("username", "") if request.method == "POST" else ""
        form = context["form"] = AuthenticationForm(request, initial={"username": username})
    elif form.is_bound:
        form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
    context["lockout_message"] = message
    response = TemplateResponse(request, template, context, status=429)
    # The template-response phase has passed (AxesMiddleware is the innermost middleware).
    response.render()
    return response
