from celery import shared_task


@shared_task(name="documents.issue", acks_late=True)
def issue_document(pk: int) -> str:
    from documents.services import document_issue

    return document_issue(pk).status
