"""The Celery app. Without CELERY_BROKER_URL every task runs in-process (settings.py).

`celery -A config beat` (one process for the whole deployment) sends the periodic tasks below;
`celery -A config worker` runs them. SPEC §16's other periodic jobs (lead and sweep deadlines,
SMS retries, clean-ups) belong to features not built yet and are not scheduled."""

import os
from datetime import timedelta

from celery import Celery

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
}
