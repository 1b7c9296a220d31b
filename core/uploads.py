"""Uploads refused while they stream (SPEC §12): a file is never read past its limit.

``UploadLimitMiddleware`` (settings.MIDDLEWARE, before CsrfViewMiddleware, which would otherwise
parse the body first) looks at every multipart request before its view runs:

1. the declared body (``Content-Length``) larger than the limit plus the room Django allows the
   form's other fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) is answered 413 at once, reading nothing;
2. otherwise the body is parsed here, through ``LimitedUploadHandler`` placed first: it counts each
   file's bytes as they arrive and stops the parse (``StopUpload(connection_reset=True)``: the
   rest is not read) as soon as one passes its limit; the answer is the same 413.

The limit is the view's purpose (``@upload_purpose("import")``) in
``settings.TIAOJIE_UPLOAD_MAX_BYTES``, else its ``"default"``. The answer: under ``/api/`` the
JSON error shape of SPEC §9 (code ``too_large``), elsewhere a Chinese page. The view never runs
for a refused upload. A malformed multipart body answers 400, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

DEFAULT = "default"
PURPOSE_ATTRIBUTE = "upload_purpose"
REFUSED_ATTRIBUTE = "tiaojie_upload_refused"
TEMPLATE = "tiaojie/upload_refused.html"
CHUNK = 64 * 1024
# What the refusal names: the purpose's file, in the message.
LABELS = {"import": "导入的登记表文件", "verify": "核对的 PDF 文件"}

V = TypeVar("V", bound=Callable[..., Any])


def upload_purpose(name: str) -> Callable[[V], V]:
    """Mark a view with the purpose whose limit its uploads get (the outermost decorator)."""

    def mark(view: V) -> V:
        setattr(view, PURPOSE_ATTRIBUTE, name)
        return view

    return mark


def limit_for(purpose: str) -> int:
    limits: dict[str, int] = settings.TIAOJIE_UPLOAD_MAX_BYTES
    return limits.get(purpose, limits[DEFAULT])


def size_text(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, n // 1024)} KB"


def refusal_message(purpose: str, limit: int) -> str:
    label = LABELS.get(purpose, "上传的文件")
    return (
        f"{label}超过 {size_text(limit)} 的上限：系统已停止接收，文件未作任何处理。"
        "请换一个较小的文件（或分成几个文件）后重新上传。"
    )


class LimitedUploadHandler(FileUploadHandler):
    """Passes each chunk on to the next handler until the file passes ``limit`` bytes; then
    stops the whole parse without reading the rest of the body."""

    chunk_size = CHUNK

    def __init__(self, request: HttpRequest, limit: int, purpose: str = DEFAULT) -> None:
        super().__init__(request)
        self.limit, self.purpose = limit, purpose

    def _refuse(self) -> None:
        setattr(self.request, REFUSED_ATTRIBUTE, (self.purpose, self.limit))
        raise StopUpload(connection_reset=True)

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        if content_length is not None and content_length > self.limit:
            self._refuse()  # the part says its own size: no need to read it

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def refused_response(request: HttpRequest, purpose: str, limit: int) -> HttpResponse:
    message = refusal_message(purpose, limit)
    if request.path.startswith("/api/"):
        body = {"error": {"code": "too_large", "message": message, "fields": {}}}
        return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
    return _page(request, message, status=413, title="文件过大")


def _page(request: HttpRequest, message: str, *, status: int, title: str) -> HttpResponse:
    context = {"title": title, "message": message, "back": request.path}
    try:
        html = render_to_string(TEMPLATE, context, request=request)
    except TemplateDoesNotExist:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(html, status=status)


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        if hasattr(request, "_files"):
            return None  # already parsed by an earlier middleware: too late to limit
        purpose = getattr(view_func, PURPOSE_ATTRIBUTE, DEFAULT)
        limit = limit_for(purpose)
        if _content_length(request) > limit + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return refused_response(request, purpose, limit)
        if not _accepts_multipart(view_func):
            return None  # an API view that takes no form: it answers 415 without reading
        handlers = request.upload_handlers
        if not isinstance(handlers, list):
            return None  # frozen (ImmutableList): the body was parsed already
        handlers.insert(0, LimitedUploadHandler(request, limit, purpose))
        try:
            request.POST  # noqa: B018 - parse now, through the limit (CSRF would parse it next)
        except MultiPartParserError:
            return _page_or_json_bad_request(request)
        refused = getattr(request, REFUSED_ATTRIBUTE, None)
        if refused is not None:
            return refused_response(request, *refused)
        return None


def _accepts_multipart(view_func: Callable[..., Any]) -> bool:
    """False for a REST framework view none of whose parsers reads multipart bodies (DRF's
    `as_view` keeps the class as `view.cls`). Parsing such a body here would hand DRF an
    already-read request, which it takes for an empty form instead of answering 415."""
    cls = getattr(view_func, "cls", None)
    parsers = getattr(cls, "parser_classes", None)
    if parsers is None:
        return True
    return any("multipart" in str(getattr(p, "media_type", "")) for p in parsers)


def _page_or_json_bad_request(request: HttpRequest) -> HttpResponse:
    message = "上传的内容格式有误（不是完整的表单数据），请重新选择文件上传。"
    if request.path.startswith("/api/"):
        body = {"error": {"code": "invalid", "message": message, "fields": {}}}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    return _page(request, message, status=400, title="上传有误")
