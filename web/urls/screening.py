"""The 排查 pages (SPEC §13) under /screening/."""

from django.urls import URLPattern

app_name = "screening"
urlpatterns: list[URLPattern] = []
