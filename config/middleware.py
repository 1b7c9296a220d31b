"""Chinese by default (SPEC §8): the browser's Accept-Language is not consulted; English is
used only when the user picked it with the language switch (Django's language cookie). And the
request id of every request (X-Request-ID, config/log.py)."""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from config import log


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Every request gets an id: the client's (or the proxy's) `X-Request-ID` when it is a sane
    token (≤ 64 characters of A-Z a-z 0-9 . _ -), a fresh uuid4 hex otherwise. It is sent back
    in the response's `X-Request-ID` and carried by every log record of the request
    (config/log.py). It is cleared when the response is closed, not when this middleware returns,
    so Django's own "Service Unavailable: …" line, written after the middleware chain, has it too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        log.set_request_id(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class PrivateNoStoreMiddleware:
    """SPEC §12: `Cache-Control: private, no-store` on every answer to a logged-in user — pages,
    downloads (PDF, xlsx, csv) and API JSON, signed in by session or by API token — so that
    neither a shared proxy nor the browser's cache keeps personal data. DRF sets the token's user
    on the Django request too, so `request.user` is read after the view has run. Also no-store:
    an answer to a request that sent credentials (`Authorization`), to anything but GET/HEAD (the
    token endpoint's answer carries the new token) and an answer that sets a cookie — every page
    with a CSRF token sets the CSRF cookie (the login form, whose token must not be cached).
    Anything else from an anonymous user (healthz, the public API verification) keeps the view's
    own caching headers; static files never reach this middleware (it sits below whitenoise)."""

    VALUE = "private, no-store"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self._private(request, response):
            response["Cache-Control"] = self.VALUE
        return response

    @staticmethod
    def _private(request: HttpRequest, response: HttpResponseBase) -> bool:
        user = getattr(request, "user", None)
        return bool(
            (user is not None and user.is_authenticated)
            or "HTTP_AUTHORIZATION" in request.META
            or request.method not in ("GET", "HEAD")
            or response.cookies
        )


@receiver(request_finished, dispatch_uid="tiaojie_clear_request_id")
def _clear_request_id(**kwargs: Any) -> None:
    log.clear_request_id()
