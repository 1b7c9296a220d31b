"""The second-factor pages (SPEC §12, accounts/two_factor.py): set-up (/accounts/2fa/) and the
code after the password (/accounts/2fa/verify/). Both are reached by a session that has not
given a code yet (TwoFactorMiddleware exempts them), so neither lets such a session do anything
but give the code: a user who already has a confirmed device is sent to verify, never shown a
new key."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import two_factor
from web.forms import Form

WRONG = "验证码不正确，请输入验证器中当前显示的6位数字；如刚用过这个验证码，请等待下一个。"


class CodeForm(Form):
    code = forms.CharField(
        label="验证码",
        max_length=12,
        error_messages={"required": "请输入6位数字验证码。"},
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError("验证码是6位数字，请重新输入。")
        return code


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def _refused(form: CodeForm, outcome: two_factor.Outcome) -> None:
    if outcome.wait_seconds:
        form.add_error("code", f"验证码错误次数过多，请在 {outcome.wait_seconds} 秒后再试。")
    else:
        form.add_error("code", WRONG)


@never_cache
@sensitive_post_parameters("code")
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    devices = two_factor.confirmed_devices(user)
    if devices and not two_factor.is_verified(user):
        return redirect(_with_next("two_factor_verify", request))
    context: dict[str, object] = {
        "required": two_factor.is_required(user),
        "next": _next_url(request),
    }
    if devices:  # already set up, and this session gave its code
        return render(request, "accounts/two_factor_setup.html", context | {"device": devices[0]})
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = two_factor.confirm(request, user, device, form.cleaned_data["code"])
        if outcome.ok:
            messages.success(request, "两步验证已启用。以后每次登录，输入密码后还需输入验证码。")
            return redirect(_next_url(request))
        _refused(form, outcome)
    context |= {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "key": two_factor.key_text(device),
        "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if two_factor.is_verified(user):
        return redirect(_next_url(request))
    devices = two_factor.confirmed_devices(user)
    if not devices:  # reset by an admin, or never set up
        if two_factor.is_required(user):
            return redirect(_with_next("two_factor_setup", request))
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = two_factor.check_code(user, devices, form.cleaned_data["code"])
        if outcome.ok:
            two_factor.mark_verified(request, outcome.device)
            return redirect(_next_url(request))
        _refused(form, outcome)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {
            "form": form,
            "next": _next_url(request),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
        },
    )
