"""Re-encrypt every stored signing passphrase with the newest TIAOJIE_FIELD_KEY (the first of
"new,old"), after which the old key can be removed from the setting (core/crypto.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.models import Organization
from core import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt the committees' signing passphrases with the first key of TIAOJIE_FIELD_KEY "
        '(rotate: set TIAOJIE_FIELD_KEY="NEW,OLD", run this, then set TIAOJIE_FIELD_KEY=NEW).'
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        with transaction.atomic():
            organizations = Organization.objects.select_for_update().exclude(signing_passphrase="")
            for org in organizations:
                try:
                    token = crypto.reencrypt(org.signing_passphrase)
                except crypto.DecryptionFailed as exc:
                    raise CommandError(f"{org.name}：{exc}") from None
                Organization.objects.filter(pk=org.pk).update(signing_passphrase=token)
                done += 1
        self.stdout.write(f"已用新密钥重新加密 {done} 个调委会的证书口令。")
