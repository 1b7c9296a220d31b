"""账户 (/accounts/): the user's own account in one place — who they are, and the three things
they look after themselves (SPEC §12): the password, the second factor, the API tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import tokens, two_factor
from cases.models import Membership


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = (
        Membership.objects.filter(user=user)  # type: ignore[misc]
        .select_related("organization", "region")
        .order_by("role", "pk")
    )
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": memberships,
            "has_device": two_factor.has_device(user),  # type: ignore[arg-type]
            "required": two_factor.is_required(user),
            "token_count": tokens.tokens_of(user).count(),
            "password_changed_at": getattr(
                getattr(user, "account", None), "password_changed_at", None
            ),
        },
    )
