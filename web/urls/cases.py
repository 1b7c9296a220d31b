"""Web pages for cases (SPEC §8). The views call workflows.services for every change."""

from django.urls import path

from web.views import agreement_draft as views_draft
from web.views import cases as views
from web.views import registers as views_io

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_register, name="register"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.case_act, name="act"),
    path("<int:pk>/agreement-draft/", views_draft.draft_prepare, name="agreement-draft"),
    path("<int:pk>/agreement-draft/pdf/", views_draft.draft_pdf, name="agreement-draft-pdf"),
    path(
        "<int:pk>/agreement-draft/record/",
        views_draft.record_from_draft,
        name="agreement-draft-record",
    ),
    path(
        "<int:pk>/agreement-draft/paper/<int:signature>/",
        views_draft.paper_mark,
        name="agreement-draft-paper",
    ),
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
