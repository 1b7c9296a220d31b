from celery import shared_task


# Celery ships no type information (ignore_missing_imports), so its decorator is untyped.
@shared_task(  # type: ignore[untyped-decorator]
    bind=True, name="portal.send_sms", acks_late=True, max_retries=4
)
def send_sms(self: object, pk: int) -> str:
    from portal.models import SmsMessage
    from portal.services import sms_deliver

    message = sms_deliver(pk)
    if message.status == SmsMessage.Status.PENDING:
        # A provider error worth another try: back off 1, 2, 4, 8 minutes.
        retries = getattr(getattr(self, "request", None), "retries", 0) or 0
        raise self.retry(countdown=60 * 2**retries)  # type: ignore[attr-defined]
    return str(message.status)
