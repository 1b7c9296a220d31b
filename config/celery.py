"""The Celery app. Without CELERY_BROKER_URL every task runs in-process (settings.py).

`celery -A config beat` (one process for the whole deployment) sends the periodic tasks below;
`celery -A config worker` runs them. SPEC §16's other periodic jobs (lead and sweep deadlines,
SMS retries, clean-ups) belong to features not built yet and are not scheduled."""

import logging.config
import os
from contextvars import Token
from datetime import timedelta
from typing import Any

from celery import Celery, signals

from config import log

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tiaojie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Overdue events and due-soon reminders (workflows/sweep.py); running it twice is harmless.
    "sla-sweep-hourly": {"task": "workflows.sla_sweep", "schedule": timedelta(hours=1)},
    # Import uploads checked but never confirmed, after 24 hours (registers/tasks.py, SPEC §12).
    "purge-abandoned-imports-hourly": {
        "task": "registers.purge_abandoned_imports",
        "schedule": timedelta(hours=1),
    },
    # Documents still pending 10 minutes after scheduling (a worker killed mid-render, a broker
    # down at commit) are sent again; rendering is idempotent (documents/services.py).
    "requeue-stale-documents": {
        "task": "documents.requeue_stale",
        "schedule": timedelta(minutes=5),
    },
}


# The request id follows the work a request queues (config/log.py): the publisher puts it in the
# task message's headers, the worker sets it for the task's run and puts back what was there
# before (an eager task runs inside its request, whose id must survive the task).
HEADER = "tiaojie_request_id"
_before: dict[str, Token[str]] = {}


@signals.before_task_publish.connect(dispatch_uid="tiaojie_request_id_publish")
def _put_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and (current := log.current_request_id()) != log.NO_REQUEST:
        headers.setdefault(HEADER, current)


def _sent_request_id(task: Any) -> str | None:
    request = getattr(task, "request", None)
    given = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return given if isinstance(given, str) and given else None


@signals.task_prerun.connect(dispatch_uid="tiaojie_request_id_prerun")
def _take_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id and (given := _sent_request_id(task)):
        _before[task_id] = log.request_id_token(given)


@signals.task_postrun.connect(dispatch_uid="tiaojie_request_id_postrun")
def _drop_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id and (token := _before.pop(task_id, None)) is not None:
        log.reset_request_id(token)


@signals.setup_logging.connect(dispatch_uid="tiaojie_worker_logging")
def _worker_logging(**kwargs: Any) -> None:
    """Workers and beat log as the web nodes do (settings.LOGGING: the request id on every
    line, one JSON object a line with LOG_FORMAT=json) instead of Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
