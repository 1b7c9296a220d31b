"""The 排查 pages (SPEC §13) under /screening/."""

from django.urls import path

from web.views import screening as views
from web.views import screening_stats

app_name = "screening"
urlpatterns = [
    path("", views.lead_list, name="leads"),
    path("new/", views.lead_report, name="report"),
    path("<int:pk>/", views.lead_detail, name="lead"),
    path("<int:pk>/act/<slug:name>/", views.lead_act, name="act"),
    path("photos/<int:pk>/", views.lead_photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.lead_photo, {"thumb": True}, name="photo-thumb"),
    path("sweeps/", views.sweep_list, name="sweeps"),
    path("sweeps/<int:pk>/", views.sweep_detail, name="sweep"),
    path("sweeps/<int:pk>/reports/", views.sweep_report, name="sweep-report"),
    path("stats/", screening_stats.screening_table, name="stats"),
    path("stats.xlsx", screening_stats.screening_xlsx, name="stats-xlsx"),
    path("stats.pdf", screening_stats.screening_pdf, name="stats-pdf"),
]
