"""The endpoints of SPEC §15 (mediators, reviews, subsidies). Included into the API's v1 routes
by api/urls.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
