"""The signing certificate's passphrase is stored encrypted (SPEC §12, core/crypto.py): the column
becomes a text of Fernet tokens and every plaintext passphrase already stored is encrypted with
TIAOJIE_FIELD_KEY (reversed: decrypted again, for a rollback)."""

from django.db import migrations, models

from core import crypto


def encrypt_plaintext(apps, schema_editor):
    Organization = apps.get_model("cases", "Organization")
    for org in Organization.objects.exclude(signing_passphrase="").only("signing_passphrase"):
        if not crypto.is_encrypted(org.signing_passphrase):
            Organization.objects.filter(pk=org.pk).update(
                signing_passphrase=crypto.encrypt(org.signing_passphrase)
            )


def decrypt_back(apps, schema_editor):
    Organization = apps.get_model("cases", "Organization")
    for org in Organization.objects.exclude(signing_passphrase="").only("signing_passphrase"):
        if crypto.is_encrypted(org.signing_passphrase):
            Organization.objects.filter(pk=org.pk).update(
                signing_passphrase=crypto.decrypt(org.signing_passphrase)
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_party_identity_documents")]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="signing_passphrase",
            field=models.TextField(blank=True, editable=False, verbose_name="证书口令（加密保存）"),
        ),
        migrations.RunPython(encrypt_plaintext, decrypt_back, elidable=False),
    ]
