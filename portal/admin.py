from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from portal.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin[SmsMessage]):
    """What was sent to whom and whether the provider took it. System administrators only:
    the messages of every committee are here, with the parties' phones."""

    list_display = ["created_at", "template", "phone", "status", "attempts", "backend", "sent_at"]
    list_filter = ["status", "template", "backend"]
    search_fields = ["phone", "provider_id"]
    # The text and parameters stay out: a verification code is for the party's eyes only.
    readonly_fields = [f.name for f in SmsMessage._meta.fields if f.name not in ("params", "text")]
    exclude = ["params", "text"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)
