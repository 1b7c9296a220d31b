"""The REST API of SPEC §9. Views are thin: serializers check the shape of a request, the services
in workflows/ decide everything else, and api.errors turns every failure into one JSON shape."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        from api import schema  # noqa: F401 - registers the drf-spectacular extensions
