from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "rollups"
    verbose_name = "统计汇总"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cases.models import DeadlineSettings
        from rollups import rollup

        # the region layer counts cases closed on time under the settings: new settings,
        # new counts, in the transaction that saves them
        for signal in (post_save, post_delete):
            signal.connect(
                rollup.deadline_settings_changed,
                sender=DeadlineSettings,
                dispatch_uid=f"rollup-in-time-{signal is post_save}",
            )
