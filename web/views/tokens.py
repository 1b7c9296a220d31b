"""我的 API 令牌 (/accounts/tokens/, SPEC §12): the user's own unexpired tokens (device, created,
last used, expiry) with a 吊销 button each. The token itself is never shown here (the database
holds only its digest): a client gets it once, from `POST /api/v1/auth/token/`."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts import tokens


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """GET: the list. POST `revoke=<id>`: revoke that token if it is the user's own, then back
    to the list (someone else's id and one already revoked read the same: not found)."""
    if request.method == "POST":
        public_id = request.POST.get("revoke", "")
        row = tokens.tokens_of(request.user).filter(public_id=_uuid_or_none(public_id)).first()
        if row is not None and tokens.revoke(request.user, row.public_id):
            messages.success(request, f"已吊销令牌「{tokens.device_label(row.device)}」。")
        else:
            messages.error(request, "没有这个令牌，或已被吊销。")
        return redirect("tokens")
    rows = [
        {"row": row, "device": tokens.device_label(row.device)}
        for row in tokens.tokens_of(request.user)
    ]
    return render(request, "accounts/tokens.html", {"tokens": rows})


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
