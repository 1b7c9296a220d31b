"""`manage.py revoke_tokens USERNAME [--device NAME]`: an admin revokes a user's API tokens (all,
or the one of a device) — a lost phone, a person who left; `--expired` deletes every expired
token (knox refuses them anyway; accounts/tokens.py deletes a user's own when issuing)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from accounts import tokens
from accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke a user's API tokens (all, or one device's), or delete every expired token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="whose tokens to revoke")
        parser.add_argument("--device", help='only this device\'s token ("" for the unnamed one)')
        parser.add_argument("--expired", action="store_true", help="delete every expired token")

    def handle(
        self,
        *args: Any,
        username: str | None,
        device: str | None,
        expired: bool,
        **options: Any,
    ) -> None:
        if expired:
            if username or device is not None:
                raise CommandError("--expired takes no username or --device")
            deleted, _ = ApiToken.objects.filter(~tokens.live()).delete()
            self.stdout.write(f"revoke_tokens: deleted {deleted} expired tokens")
            return
        if not username:
            raise CommandError("give a username (or --expired)")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        selected = Q(user_id=user.pk) if device is None else Q(user_id=user.pk, device=device)
        deleted, _ = ApiToken.objects.filter(selected).delete()
        self.stdout.write(f"revoke_tokens: revoked {deleted} tokens of {username}")
