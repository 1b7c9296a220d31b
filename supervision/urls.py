"""Supervision pages (SPEC §7), mounted at /supervision/."""

app_name = "supervision"

urlpatterns: list = []
