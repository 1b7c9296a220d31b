"""API tokens (SPEC §12). django-rest-knox stores only a digest and a 15-character lookup
prefix, never the token; a token expires after REST_KNOX["TOKEN_TTL"] (TIAOJIE_TOKEN_DAYS,
default 30 days); a user holds one per device name and lists and revokes their own. Issuing,
listing and revoking live here, used by the API (`/api/v1/auth/token/`, `/api/v1/auth/tokens/`)
and the 令牌 page (`/accounts/tokens/`); the authentication class below comes first in
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions

from accounts.models import ApiToken

# The 令牌 page shows this for a token issued without a device name (the API sends "").
UNNAMED_DEVICE = "未命名设备"
# last_used_at is written at most this often per token: a busy client does not write on every
# request.
LAST_USED_EVERY = timedelta(minutes=1)

INVALID = "令牌无效、已吊销或已过期，请重新获取令牌。"
INACTIVE = "账户已停用。"
# What a token may look like before it is looked up: printable ASCII without spaces. knox decodes
# the header as UTF-8 (a Latin-1 byte past 0x7f was a 500) and PostgreSQL refuses a NUL.
TOKEN_SHAPE = re.compile(rb"[\x21-\x7e]{1,200}")


class _Refused(exceptions.AuthenticationFailed):  # type: ignore[misc]  # DRF is untyped
    """Our own (Chinese) refusal, passed on as it is."""


class ApiTokenAuthentication(TokenAuthentication):  # type: ignore[misc]  # knox is untyped
    """knox's `Authorization: Token <token>` check (expired tokens are refused and deleted by
    knox) with Chinese messages and `last_used_at` kept at most LAST_USED_EVERY out of date."""

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        try:
            result: tuple[User, ApiToken] | None = super().authenticate(request)
        except _Refused:
            raise
        except exceptions.AuthenticationFailed as exc:  # knox's header and lookup messages
            raise _Refused(INVALID) from exc
        return result

    def authenticate_credentials(self, token: bytes) -> tuple[User, ApiToken]:
        if not TOKEN_SHAPE.fullmatch(token):
            raise _Refused(INVALID)
        user, auth_token = super().authenticate_credentials(token)
        touch(auth_token)
        return user, auth_token

    def _cleanup_token(self, auth_token: ApiToken) -> bool:
        """knox's check of this token's expiry (an expired one is deleted and refused), without
        knox's query of all the user's other tokens on every request: those are deleted when
        the user is next issued one (`issue`), and are refused and never listed until then."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            token_expired.send(
                sender=self.__class__, username=auth_token.user.get_username(), source="auth_token"
            )
            return True
        return False

    def validate_user(self, auth_token: ApiToken) -> tuple[User, ApiToken]:
        if not auth_token.user.is_active:
            raise _Refused(INACTIVE)
        return auth_token.user, auth_token


def touch(auth_token: ApiToken, now: datetime | None = None) -> bool:
    """Record a use, unless one was recorded within LAST_USED_EVERY. One conditional UPDATE, so
    that of two workers serving the same token at once only one writes. True if it wrote."""
    now = now or timezone.now()
    last = auth_token.last_used_at
    if last is not None and now - last < LAST_USED_EVERY:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
    written = bool(ApiToken.objects.filter(stale, pk=auth_token.pk).update(last_used_at=now))
    if written:
        auth_token.last_used_at = now
    return written


def live() -> Q:
    """Tokens not yet expired (knox refuses an expiry in the past and deletes it on sight)."""
    return Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())


def tokens_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ApiToken]:
    """The user's own unexpired tokens, newest first: what the list and the page show."""
    rows: QuerySet[ApiToken] = ApiToken.objects.filter(live(), user_id=user.pk)
    return rows.order_by("-created", "device")


def issue(user: AbstractBaseUser, device: str = "") -> tuple[ApiToken, str]:
    """A new token for (user, device); the one the device had before stops working. Returns the
    row and the token, which exists only here: the database keeps its digest."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                # Expired ones go too: knox would delete them at the next use anyway.
                ApiToken.objects.filter(Q(device=device) | ~live(), user_id=user.pk).delete()
                row, token = ApiToken.objects.create(user=user, device=device)
                return row, token
        except IntegrityError:  # the same device issued concurrently: the other one won, redo
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def revoke(user: AbstractBaseUser | AnonymousUser, public_id: uuid.UUID | str) -> bool:
    """Revoke one of the user's own tokens; False if the user holds none by that id (someone
    else's id and an unknown one are the same: not found)."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return False
    deleted: int = ApiToken.objects.filter(user_id=user.pk, public_id=public_id).delete()[0]
    return deleted > 0


def revoke_all(user: AbstractBaseUser) -> int:
    """Every token of the user (SPEC §12: a password change logs out everywhere)."""
    deleted: int = ApiToken.objects.filter(user_id=user.pk).delete()[0]
    return deleted


def device_label(device: str) -> str:
    return device or UNNAMED_DEVICE
