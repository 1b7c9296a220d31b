"""Accounts (SPEC §12): the API tokens (stored hashed by django-rest-knox, one per device name,
expiring) and the per-user account state the password policy needs."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):  # type: ignore[misc]  # knox has no type information
    """knox's hashed token (digest and a 15-character lookup prefix, never the token itself) with
    the device it was issued for and when it was last used. `KNOX_TOKEN_MODEL` points here."""

    # knox's primary key is the token's digest: the id a list shows and a DELETE names is this.
    # Annotated: the base class is untyped, so django-stubs cannot infer the fields' types.
    public_id: models.UUIDField[uuid.UUID, uuid.UUID] = models.UUIDField(
        "编号", default=uuid.uuid4, unique=True, editable=False
    )
    device: models.CharField[str, str] = models.CharField(
        "设备", max_length=100, default="", blank=True
    )
    last_used_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        "最近使用", null=True, blank=True
    )

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"
        constraints = [
            models.UniqueConstraint(fields=["user", "device"], name="api_token_one_per_device")
        ]


class Account(models.Model):
    """What Django's user lacks for SPEC §12: an initial password set by an admin must be
    changed at first login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account",
        verbose_name="用户",
    )
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账户状态"

    def __str__(self) -> str:
        return str(self.user)
