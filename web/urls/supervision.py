"""Supervision pages (SPEC §7), mounted at /supervision/."""

from django.urls import path

from web.views import supervision as views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics-xlsx"),
    path("statistics.pdf", views.statistics_pdf, name="statistics-pdf"),
    path("ranking/", views.ranking_view, name="ranking"),
    path("audit/", views.audit_log, name="audit"),
    path("audit.csv", views.audit_export, name="audit-csv"),
    path("access/", views.access_records, name="access"),
    path("access.csv", views.access_export, name="access-csv"),
    path("cases/<int:pk>/supervise/", views.supervise, name="supervise"),
]
