"""Tells `core.acting` who acts during a request, so that audit records written by model
signals (membership changes) name the user — whichever page or endpoint made the change."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.acting import acting


class ActingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        source = (
            "admin" if path.startswith("/admin/") else "api" if path.startswith("/api/") else "web"
        )
        # the user is read when a record is written: DRF authenticates a token only then
        with acting(source=source, ip=request.META.get("REMOTE_ADDR"), request=request):
            return self.get_response(request)
