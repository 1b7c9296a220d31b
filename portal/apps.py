from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "当事人端"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import notices
        from workflows.signals import case_changed

        case_changed.connect(notices.on_case_changed, dispatch_uid="portal.notices")
