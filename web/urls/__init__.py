"""Every HTML page: the home page, the public verification page, and the case, task and
supervision pages under their prefixes (URL names and namespaces as before the web app was
split out: cases:…, workflows:…, supervision:…)."""

from django.urls import include, path

from web.views import health, home, offline, verify

urlpatterns = [
    path("cases/", include("web.urls.cases")),
    path("supervision/", include("web.urls.supervision")),
    path("tasks/", include("web.urls.tasks")),
    path("applications/", include("web.urls.applications")),
    path("screening/", include("web.urls.screening")),
    path("county/", include("web.urls.county")),
    path("verify/<str:token>/", verify.verify, name="verify"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    path("", home.home, name="home"),
]
