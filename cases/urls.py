"""Web pages for cases (SPEC §8). The views call workflows.services for every change."""

from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    # --- import / export (issue 6) ---
    # --- end import / export ---
]
