"""The second factor (SPEC §12): a TOTP authenticator app, with django-otp's own device model
(`TOTPDevice`), verification (`django_otp.verify_token`, with its throttling) and session
marker (`django_otp.login`, read back by `django_otp.middleware.OTPMiddleware`).

Who must use it: superusers, staff and system administrators, and users holding a supervisor
role (`must_use`) — when `TIAOJIE_REQUIRE_2FA` is on (default: on under `PRODUCTION`). Anybody
may set it up voluntarily; once a user has a confirmed device, every session of theirs is asked
for a code after the password, whatever the setting.

`TwoFactorMiddleware` (right after OTPMiddleware) enforces the two rules on every page,
including the Django admin: a session whose user has a confirmed device but has not given a
code goes to the verify page; a user who must use it but has none goes to the set-up page. The
login, logout and second-factor pages, static files, health checks, the public document check
and the language switch are exempt. The API is not redirected (tokens are issued after the
password, see docs/SECURITY.md), but an unverified session does not authenticate an API call.

An admin resets a lost phone by deleting the user's device in the Django admin
(/admin/otp_totp/totpdevice/): the user sets up a new one at the next login.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import scope
from cases.choices import Role
from core.cached import forget

logger = logging.getLogger(__name__)

DEVICE_NAME = "手机验证器"
DEVICE_TTL = 300  # seconds: how long "has a confirmed device" is kept between changes
# Pages a session reaches before its second factor: the way in and out, the second-factor pages
# themselves, and what needs no login at all (view names, "namespace:name").
EXEMPT_VIEWS = frozenset(
    {
        "login",
        "logout",
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
API_PREFIX = "/api/"
STATIC_PREFIX = "/" + str(settings.STATIC_URL).lstrip("/")


# --- who ------------------------------------------------------------------------------------
def must_use(user: User | AnonymousUser) -> bool:
    """Admins (superusers, staff, the admin role) and supervisors: those who see the most."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff or scope.is_admin(user):
        return True
    return any(m.role == Role.SUPERVISOR for m in scope.memberships(user))


def is_required(user: User | AnonymousUser) -> bool:
    return bool(getattr(settings, "TIAOJIE_REQUIRE_2FA", False)) and must_use(user)


def is_verified(user: User | AnonymousUser) -> bool:
    """Has this session given a code (OTPMiddleware reads it from the session)?"""
    check: Callable[[], bool] | None = getattr(user, "is_verified", None)
    return bool(check()) if check is not None else False


# --- devices --------------------------------------------------------------------------------
def confirmed_devices(user: User) -> list[Any]:
    return list(TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk"))


def device_key(user_id: int) -> str:
    return f"tiaojie:2fa-device:{user_id}"


def has_device(user: User) -> bool:
    """Asked on every request of a session without a code: from the shared cache, which a
    device's save or delete clears (`forget_device`, connected in accounts/signals.py)."""
    return bool(
        cache.get_or_set(
            device_key(user.pk),
            lambda: TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
            DEVICE_TTL,
        )
    )


def forget_device(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete of a TOTPDevice."""
    forget(device_key(instance.user_id))


def pending_device(user: User) -> Any:
    """The user's unconfirmed device, created on first use: reloading the set-up page keeps the
    key that may already be in the phone."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def key_text(device: Any) -> str:
    """The secret in base32 in groups of four, as authenticator apps accept it typed in."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: Any) -> SafeString:
    """The otpauth:// URL as inline SVG markup (no script, no style attribute: the CSP allows
    neither). segno writes only numbers and path data into it, never the URL's text."""
    code = segno.make(device.config_url, error="m")
    svg: str = code.svg_inline(
        scale=5, border=2, dark="#000", light="#fff", svgclass="tj-2fa__qrimg", title="二维码"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup, see above


# --- codes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    device: Any | None = None  # the device that accepted the code
    wait_seconds: int = 0  # > 0: throttled, nothing was checked

    @property
    def ok(self) -> bool:
        return self.device is not None


def _wait(device: Any) -> int:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return 0
    until: dt.datetime | None = (info or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def check_code(user: User, devices: list[Any], code: str) -> Outcome:
    """Try `code` on the user's devices through django-otp (a transaction, the device locked,
    its throttle counted). A device still in its back-off delay is not tried at all."""
    waits = [_wait(d) for d in devices]
    open_devices = [d for d, w in zip(devices, waits, strict=True) if w == 0]
    if not open_devices:
        return Outcome(wait_seconds=min(waits, default=1))
    for device in open_devices:
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return Outcome(device=verified)
    logger.warning("second factor: wrong code for user %s", user.pk)
    return Outcome()


def confirm(request: HttpRequest, user: User, device: Any, code: str) -> Outcome:
    """Set-up: the first right code confirms the device and verifies the session."""
    outcome = check_code(user, [device], code)
    verified = outcome.device
    if verified is not None:
        verified.confirmed = True
        verified.save(update_fields=["confirmed"])
        mark_verified(request, verified)
        logger.info("second factor: device confirmed for user %s", user.pk)
    return outcome


def token_refusal(user: User, code: str | None) -> str | None:
    """For `POST /api/v1/auth/token/` (api/views.py decides whether to call it), after the
    password: None when a token may be issued, else the error code why not. A user with a
    confirmed device must give its current code (`otp`); one who must use it when required but
    has none sets it up on the web first."""
    devices = confirmed_devices(user)
    if not devices:
        return "otp_setup_required" if is_required(user) else None
    if not code:
        return "otp_required"
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return "otp_invalid"
    outcome = check_code(user, devices, code)
    if outcome.ok:
        return None
    return "otp_throttled" if outcome.wait_seconds else "otp_invalid"


def mark_verified(request: HttpRequest, device: Any) -> None:
    """django-otp's session marker, under a new session key (the session gained a privilege)."""
    request.session.cycle_key()
    django_otp.login(request, device)


# --- enforcement ----------------------------------------------------------------------------
def _view_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return str(match.view_name)


def _redirect(name: str, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse(name)
    if request.method in ("GET", "HEAD"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    """After OTPMiddleware: unverified session with a device → verify page; required but no
    device → set-up page. An unknown path is not exempt (default deny)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._enforce(request)
        return response if response is not None else self.get_response(request)

    def _enforce(self, request: HttpRequest) -> HttpResponseBase | None:
        user = getattr(request, "user", None)  # OTPMiddleware's lazy wrapper around the user
        if not isinstance(user, User) or not user.is_authenticated or is_verified(user):
            return None
        path = request.path_info
        if path.startswith(STATIC_PREFIX):
            return None
        if path.startswith(API_PREFIX):
            # Tokens are the API's way in; a session still waiting for its code is not one.
            if has_device(user) or is_required(user):
                request.user = AnonymousUser()
            return None
        if _view_name(request) in EXEMPT_VIEWS:
            return None
        if has_device(user):
            return _redirect("two_factor_verify", request)
        if is_required(user):
            return _redirect("two_factor_setup", request)
        return None
