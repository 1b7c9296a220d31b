"""Periodic work run by Celery beat (the schedule: config/celery.py)."""

import logging

from celery import shared_task

from workflows.sweep import sla_sweep as run_sla_sweep

logger = logging.getLogger(__name__)


# Celery ships no type information (ignore_missing_imports), so its decorator is untyped.
@shared_task(name="workflows.sla_sweep")  # type: ignore[untyped-decorator]
def sla_sweep() -> dict[str, int]:
    """The hourly `sla_sweep` (SPEC §16), the same function as `manage.py sla_sweep`."""
    result = run_sla_sweep()
    logger.info(result.summary())
    return result._asdict()


@shared_task(name="county.render_notice", acks_late=True)  # type: ignore[untyped-decorator]
def render_notice(pk: int) -> str:
    """One 整改通知 (RVW) PDF, queued after the commit that numbered it (as documents.issue)."""
    from workflows.services.reviews import notice_render

    notice = notice_render(pk)
    logger.info("county.render_notice %s: %s", pk, "issued" if notice.file else "failed")
    return notice.number
