from django.contrib import admin
from django.urls import include, path

admin.site.site_header = admin.site.site_title = "调解 · 系统管理"

urlpatterns = [
    path("accounts/", include("web.urls.accounts")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("portal.urls")),
    path("", include("web.urls")),
]

# Under /api/ a bug answers JSON {"error": {"code": "server_error", ...}} and an unknown path
# JSON {"error": {"code": "not_found", ...}}; elsewhere the HTML pages.
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"
