import logging

from celery import shared_task

log = logging.getLogger(__name__)


# Celery ships no type information (ignore_missing_imports), so its decorator is untyped.
@shared_task(name="documents.issue", acks_late=True)  # type: ignore[untyped-decorator]
def issue_document(pk: int) -> str:
    from documents.services import document_issue

    status = document_issue(pk).status
    log.info("documents.issue %s: %s", pk, status)
    return status


@shared_task(name="documents.requeue_stale")  # type: ignore[untyped-decorator]
def requeue_stale_documents() -> int:
    from django.conf import settings

    from documents.services import requeue_stale

    sent = requeue_stale(settings.TIAOJIE_DOCUMENT_REQUEUE_MINUTES)
    if sent:
        log.warning("documents.requeue_stale: %s pending documents sent again", sent)
    return sent
