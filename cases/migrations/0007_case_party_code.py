"""The party code (查询码, SPEC §14) on every case: added empty, filled for the cases already
there, then made unique."""

import secrets

from django.db import migrations, models

import cases.models

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def fill_codes(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    empty = models.Q(party_code=None) | models.Q(party_code="")
    used = set(Case.objects.exclude(empty).values_list("party_code", flat=True))
    for case in Case.objects.filter(empty).only("pk").iterator():
        code = None
        while code is None or code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        used.add(code)
        Case.objects.filter(pk=case.pk).update(party_code=code)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_membership_grid_worker")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="party_code",
            field=models.CharField(editable=False, max_length=8, null=True, verbose_name="查询码"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="party_code",
            field=models.CharField(
                default=cases.models.new_party_code,
                editable=False,
                max_length=8,
                unique=True,
                verbose_name="查询码",
            ),
        ),
    ]
