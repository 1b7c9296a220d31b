"""Issued PDFs move to the private storage (SPEC §12, core/storage.py) and lose the verify token
from their names: documents/<year issued>/<id>-<code>.pdf (documents.services.file_name). Copied
through the storage API (either side may be object storage), byte for byte; the rows point at
the new names and the old files are deleted."""

from django.core.files import File
from django.core.files.storage import storages
from django.db import migrations, models
from django.utils import timezone

import core.storage


def _new_name(doc) -> str:
    when = doc["issued_at"] or doc["created_at"]
    year = timezone.localtime(when).year if when else timezone.localdate().year
    return f"documents/{year}/{doc['pk']}-{doc['code']}.pdf"


def _move(apps, source, target, rename: bool):
    Document = apps.get_model("documents", "Document")
    rows = Document.objects.exclude(file="").values("pk", "code", "file", "issued_at", "created_at")
    for doc in rows.iterator():
        name = doc["file"]
        if not source.exists(name):
            continue  # already moved (a re-run), or lost before: ops.backup.verify_documents says
        new_name = _new_name(doc) if rename else name
        if target.exists(new_name):
            target.delete(new_name)  # a half-finished earlier run: the source is the original
        with source.open(name, "rb") as handle:
            saved = target.save(new_name, File(handle, name=name))
        Document.objects.filter(pk=doc["pk"]).update(file=saved)
        source.delete(name)


def to_private(apps, schema_editor):
    _move(apps, storages["default"], storages[core.storage.PRIVATE], rename=True)


def to_default(apps, schema_editor):
    # Back to the public storage under the new names (the old ones carried the token).
    _move(apps, storages[core.storage.PRIVATE], storages["default"], rename=False)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="file",
            field=models.FileField(
                blank=True,
                storage=core.storage.private_storage,
                upload_to="documents/%Y/",
                verbose_name="文件",
            ),
        ),
        migrations.RunPython(to_private, to_default, elidable=False),
    ]
