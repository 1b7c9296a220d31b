from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "当事人端"
    default_auto_field = "django.db.models.BigAutoField"
