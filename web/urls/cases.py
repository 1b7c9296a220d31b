"""Web pages for cases (SPEC §8). The views call workflows.services for every change."""

from django.urls import path

from web.views import cases as views
from web.views import registers as views_io

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_register, name="register"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.case_act, name="act"),
    path("documents/<int:pk>/pdf/", views.document_download, name="document-pdf"),
    path("documents/<int:pk>/retry/", views.document_retry, name="document-retry"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.photo, {"thumb": True}, name="photo-thumb"),
    # --- import / export (issue 6) ---
    path("import/", views_io.import_start, name="import-start"),
    path("import/template.xlsx", views_io.import_template, name="import-template"),
    path("import/<int:organization>/", views_io.import_page, name="import"),
    path("export.xlsx", views_io.export_xlsx, name="export"),
    # --- end import / export ---
]
