"""Every API failure answers `{"error": {"code", "message", "fields"}}` (SPEC §9): the services'
DomainErrors by their own code and status, DRF's and Django's exceptions by the table below."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found as html_not_found
from django.views.defaults import server_error as html_server_error
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _first_message(detail, path: str = "") -> str:
    """The first message, prefixed with where it applies ("parties[1].phone: ...")."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                where = path
            elif str(key).isdigit():
                where = f"{path}[{key}]"
            else:
                where = f"{path}.{key}" if path else str(key)
            if message := _first_message(value, where):
                return message
        return ""
    if isinstance(detail, list):
        return next((m for m in (_first_message(d, path) for d in detail) if m), "")
    return f"{path}: {detail}" if path else str(detail)


def _respond(status: int, code: str, message, fields=None, headers=None) -> Response:
    set_rollback()
    return Response(error_body(code, message, fields), status=status, headers=headers)


DRAIN_CHUNK = 64 * 1024


def drain_body(request) -> bool:
    """Read and discard what is left of a refused request body, up to
    TIAOJIE_DRAIN_MAX_BYTES. A plain HTTP client (urllib, requests) sends the whole body before
    it reads the answer: if the server answers and closes with the body unread, the client sees
    a reset connection instead of the 413. True when the body was read to its end."""
    stream = getattr(request, "_stream", None)
    if stream is None:
        return True
    budget = settings.TIAOJIE_DRAIN_MAX_BYTES
    while budget > 0:
        chunk = stream.read(min(DRAIN_CHUNK, budget))
        if not chunk:
            return True
        budget -= len(chunk)
    return not stream.read(1)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = dict(exc.fields)
        if exc.missing:
            fields["missing"] = list(exc.missing)
        return _respond(exc.http_status, exc.code, exc.message, fields)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body before DRF parses it; without this the client would get an
        # HTML 400 from Django's SuspiciousOperation handling.
        drained = drain_body(context["request"]._request)
        return _respond(
            413, "too_large", "请求内容过大。", headers=None if drained else {"Connection": "close"}
        )
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _respond(400, "invalid", _first_message(fields), fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        return _respond(400, "invalid", _first_message(fields) or "输入有误。", fields, headers)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        code = "not_authenticated"
    else:
        code = getattr(exc, "error_code", None) or CODES.get(
            exc.status_code, getattr(exc, "default_code", "error")
        )
    return _respond(exc.status_code, code, _first_message(exc.detail), {}, headers)


class Refused(exceptions.APIException):
    """A refusal with a code of its own (the token endpoint's second factor and first-login
    password change, SPEC §12): `{"error": {"code": <code>, …}}` with the status given."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status
        self.error_code = code


def not_found(request, exception=None, *args, **kwargs):
    """handler404 (config/urls.py): under /api/ the JSON 404 even for a path no pattern takes."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "未找到。"), status=404)
    return html_not_found(request, exception, *args, **kwargs)


def server_error(request, *args, **kwargs):
    """handler500 (config/urls.py): a bug under /api/ still answers the JSON error shape, so a
    client never has to parse Django's HTML page; elsewhere Django's own page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", "服务器内部错误，请稍后重试；如持续出现请联系系统管理员。"),
            status=500,
        )
    return html_server_error(request, *args, **kwargs)


# --- schema -------------------------------------------------------------------------------
class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "invalid",
            "precondition_failed",
            "not_authenticated",
            "permission_denied",
            "not_found",
            "method_not_allowed",
            "invalid_state",
            "conflict",
            "too_large",
            "unsupported_media_type",
            "throttled",
            "account_locked",
            "password_change_required",
            "otp_required",
            "otp_invalid",
            "otp_setup_required",
            "otp_throttled",
            "invalid_code",
            "invalid_photo",
            "duplicate",
            "server_error",
        ]
    )
    message = serializers.CharField()
    fields = serializers.DictField(
        help_text="Field name → list of messages; `missing` lists every unmet guard."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_ERROR_TEXT = {
    400: "Invalid input (`invalid`) or an unmet guard (`precondition_failed`, fields.missing).",
    401: "Not authenticated.",
    403: "The role may not do this on this case (token endpoint: `otp_required`, `otp_invalid`, "
    "`otp_setup_required`, `password_change_required`).",
    404: "Not found, or outside the user's scope.",
    409: "`invalid_state`: not available from the current state; `conflict`: the case changed.",
    413: "Request body too large.",
    429: "Too many attempts.",
}


def errors(*statuses: int) -> dict:
    """`responses=` entries for extend_schema: the error shape for each status given."""
    return {s: OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[s]) for s in statuses}
