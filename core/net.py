"""The client's address, one rule for every limit and log (SPEC §12): `X-Forwarded-For` counts
only as far as the number of proxies we run in front of the app (`TIAOJIE_TRUSTED_PROXIES`,
default 0: the header is ignored and a forged one changes nothing)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """With n trusted proxies, the address the nearest of them saw: the n-th entry of
    X-Forwarded-For counted from the right (each proxy appends the address it was called
    from; what the client wrote itself is further left and is never read)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "TIAOJIE_TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
