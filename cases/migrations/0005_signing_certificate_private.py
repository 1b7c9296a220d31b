"""Signing certificates move to the private storage (SPEC §12, core/storage.py), named
certificates/organization-<id>.p12; the files are copied through the storage API (so either side
may be object storage), the rows point at the new names, the old files are deleted."""

from django.core.files import File
from django.core.files.storage import storages
from django.db import migrations, models

import cases.models
import core.storage


def _move(queryset, source, target, new_name):
    for pk, name in queryset.exclude(signing_certificate="").values_list(
        "pk", "signing_certificate"
    ):
        if not source.exists(name):
            continue  # already moved (a re-run), or lost before: nothing to copy
        with source.open(name, "rb") as handle:
            saved = target.save(new_name(pk, name), File(handle, name=name))
        queryset.filter(pk=pk).update(signing_certificate=saved)
        source.delete(name)


def to_private(apps, schema_editor):
    Organization = apps.get_model("cases", "Organization")
    _move(
        Organization.objects.all(),
        storages["default"],
        storages[core.storage.PRIVATE],
        lambda pk, name: f"certificates/organization-{pk}.p12",
    )


def to_default(apps, schema_editor):
    Organization = apps.get_model("cases", "Organization")
    _move(
        Organization.objects.all(),
        storages[core.storage.PRIVATE],
        storages["default"],
        lambda pk, name: name,
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_signing_passphrase_encrypted")]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="signing_certificate",
            field=models.FileField(
                blank=True,
                storage=core.storage.private_storage,
                upload_to=cases.models.certificate_path,
                verbose_name="签章证书（PKCS#12）",
            ),
        ),
        migrations.RunPython(to_private, to_default, elidable=False),
    ]
