"""/sw.js: the service worker of the offline record forms (web/static/tiaojie/sw.js,
offline.js). Served from the site's root, not /static/, because a worker only controls pages
under its own path; never cached long, so a new version reaches the phones at once."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

SOURCE = "tiaojie/sw.js"


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    path = finders.find(SOURCE)
    if not path:
        raise Http404
    with open(path, "rb") as f:
        response = HttpResponse(f.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
