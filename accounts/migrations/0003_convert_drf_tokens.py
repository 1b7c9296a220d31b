"""DRF's clear-text tokens (`rest_framework.authtoken`, no longer installed) become knox
ApiTokens, so a client keeps working with the token it has until the new expiry: knox finds a
token by its first CONSTANTS.TOKEN_KEY_LENGTH characters and checks the hash of the whole, which
for a 40-character DRF key is exactly what is stored here. The old rows are then deleted: a
clear-text token left in the database is what SPEC §12 forbids. The table itself stays (it
belongs to an app that is gone; `manage.py migrate authtoken zero` with the app installed, or a
DBA, may drop it).

Only if the table exists: on a fresh database DRF's app was never migrated. Read with plain SQL
because the app's models are no longer loaded, and with no migration dependency on it (a
dependency on an uninstalled app would break the migration graph). Not reversible: the clear
text cannot be recovered from a digest, so going back leaves the knox rows in place."""

from django.db import migrations
from django.utils import timezone

LEGACY_TABLE = "authtoken_token"
DEVICE = "迁移的令牌"


def convert_drf_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if LEGACY_TABLE not in connection.introspection.table_names(cursor):
            return
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT {quote('key')}, {quote('user_id')} FROM {quote(LEGACY_TABLE)}")
        rows = cursor.fetchall()
    ApiToken = apps.get_model("accounts", "ApiToken")
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    for key, user_id in rows:
        digest = hash_token(key)
        if ApiToken.objects.filter(user_id=user_id, device=DEVICE).exists():
            continue
        ApiToken(  # not objects.create: knox's manager would make up a new token
            digest=digest,
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            device=DEVICE,
            expiry=expiry,
        ).save(force_insert=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(LEGACY_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_apitoken_public_id")]

    operations = [migrations.RunPython(convert_drf_tokens, migrations.RunPython.noop)]
