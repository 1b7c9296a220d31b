"""ApiToken.public_id: the id the token list shows and `DELETE /api/v1/auth/tokens/{id}/` names
(knox's primary key is the token's digest, which must never leave the server). Three steps so
that rows already there each get their own UUID: nullable, filled, then unique and required."""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(public_id__isnull=True).only("digest"):
        ApiToken.objects.filter(pk=token.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="编号"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="编号"
            ),
        ),
    ]
