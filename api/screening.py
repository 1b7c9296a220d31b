"""The 排查 endpoints of SPEC §13 (leads, sweeps, the screening statistics). Included into the
API's v1 routes by api/urls.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
