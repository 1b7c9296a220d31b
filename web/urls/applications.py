"""网上申请 pages for the committee (SPEC §14), mounted at /applications/."""

from django.urls import path

from web.views import applications as views

app_name = "applications"

urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/decline/", views.decline, name="decline"),
]
