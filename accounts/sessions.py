"""Sessions (SPEC §12): the idle (30 minutes) and absolute (12 hours) timeouts, and the password
change an admin-set initial password requires.

The login stamps the session (`stamp_login`, on `user_logged_in`): when it began, when it was
last used (rewritten at most once a minute, so a busy page does not write the session on every
request) and whether the account must change its password (`Account.must_change_password`).

`SessionTimeoutMiddleware` (right after django-otp's OTPMiddleware) logs an expired session out:
a page is sent to the login with "长时间未操作，已自动退出，请重新登录。"; an API call goes on as
anonymous (401). `PasswordChangeRequiredMiddleware` (after the second factor's middleware) sends
a flagged user to the password change page until the password is changed (accounts/signals.py
clears the flag); the API answers 403 `password_change_required`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve, reverse

from accounts.models import Account

AUTH_AT = "tiaojie_auth_at"  # epoch seconds of the login
SEEN_AT = "tiaojie_seen_at"  # epoch seconds of the last request (to the minute)
MUST_CHANGE = "tiaojie_must_change"  # the account's flag, as it was at the login
TOUCH_EVERY = 60  # seconds: how stale SEEN_AT may get before it is written again

API_PREFIX = "/api/"
EXPIRED_MESSAGE = "长时间未操作，已自动退出，请重新登录。"
MUST_CHANGE_MESSAGE = "系统管理员为您设置了初始密码，请先修改密码再继续使用。"
# Pages a user who must change the password may still open.
PASSWORD_EXEMPT_VIEWS = frozenset(
    {
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "two_factor_setup",
        "two_factor_verify",
        "healthz",
        "readyz",
        "verify",
        "set_language",
        "admin:login",
        "admin:logout",
    }
)

Handler = Callable[[HttpRequest], HttpResponseBase]


def idle_seconds() -> int:
    return int(settings.TIAOJIE_SESSION_IDLE_MINUTES) * 60


def max_seconds() -> int:
    return int(settings.TIAOJIE_SESSION_MAX_HOURS) * 3600


def must_change(user: AbstractBaseUser | AnonymousUser) -> bool:
    if user.pk is None:
        return False
    return Account.objects.filter(user_id=user.pk, must_change_password=True).exists()


def stamp_login(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    """`user_logged_in` receiver: the session's start, its last use, the account's flag."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return  # not a session login (e.g. the API's token endpoint): nothing to stamp
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session[MUST_CHANGE] = must_change(user)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _view_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return str(match.view_name)


def _redirect_with_message(request: HttpRequest, url: str, text: str) -> HttpResponseRedirect:
    """A redirect carrying a message: these middlewares run before MessageMiddleware, so the
    message storage is opened (and written to the redirect) here."""
    storage = default_storage(request)
    storage.add(messages.INFO, text)
    response = HttpResponseRedirect(url)
    storage.update(response)
    return response


def _next_query(request: HttpRequest) -> str:
    if request.method in ("GET", "HEAD") and _view_name(request) not in {"login", "logout"}:
        return "?" + urlencode({"next": request.get_full_path()})
    return ""


class SessionTimeoutMiddleware:
    """Idle and absolute timeouts of a logged-in session."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._check(request)
        return response if response is not None else self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponseBase | None:
        session = request.session
        if SESSION_KEY not in session or not request.user.is_authenticated:
            return None
        now = int(time.time())
        auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
        if not isinstance(auth_at, int) or not isinstance(seen_at, int):
            # A session from before these stamps: its clock starts now.
            session[AUTH_AT] = session[SEEN_AT] = now
            return None
        if now - seen_at > idle_seconds() or now - auth_at > max_seconds():
            logout(request)
            if _is_api(request):
                return None  # goes on as anonymous: the API answers 401
            return _redirect_with_message(
                request, reverse(settings.LOGIN_URL) + _next_query(request), EXPIRED_MESSAGE
            )
        if now - seen_at >= TOUCH_EVERY:
            session[SEEN_AT] = now
        return None


class PasswordChangeRequiredMiddleware:
    """A user whose password an admin set goes to the password change page until changing it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._check(request)
        return response if response is not None else self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponseBase | None:
        session = request.session
        # The flag can only be set by an admin setting the password, which ends every session
        # of the user: a session stamped False stays False; True is checked until it clears.
        if not session.get(MUST_CHANGE) or not request.user.is_authenticated:
            return None
        if not must_change(request.user):
            session[MUST_CHANGE] = False
            return None
        if request.path_info.startswith("/" + str(settings.STATIC_URL).lstrip("/")):
            return None
        if _is_api(request):
            body = {
                "error": {
                    "code": "password_change_required",
                    "message": MUST_CHANGE_MESSAGE,
                    "fields": {},
                }
            }
            return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
        if _view_name(request) in PASSWORD_EXEMPT_VIEWS:
            return None
        return HttpResponseRedirect(reverse("password_change"))
