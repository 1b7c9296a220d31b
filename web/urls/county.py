"""The county's pages (SPEC §15: mediator register, file review, subsidies) under /county/."""

from django.urls import URLPattern

app_name = "county"
urlpatterns: list[URLPattern] = []
