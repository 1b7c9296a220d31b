"""The signing certificate's passphrase (SPEC §12): never sent back to the browser, stored
encrypted with TIAOJIE_FIELD_KEY (core/crypto.py); the certificate itself in the private storage.
Signing with it: tests/documents/test_signing.py."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cases.models import Organization
from core import crypto
from tests.documents.certificates import PASSPHRASE, make_certificate

SECRET = "青山-口令-7f3a9c"


@pytest.fixture(scope="module")
def p12():
    return make_certificate()[1]


def stored_column(org: Organization) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_passphrase FROM cases_organization WHERE id = %s", [org.pk])
        return cursor.fetchone()[0]


def with_certificate(org: Organization, p12: bytes, passphrase: str) -> Organization:
    org.signing_certificate.save("east.p12", ContentFile(p12), save=False)
    org.set_signing_passphrase(passphrase)
    org.save()
    return org


def change_page(client, org):
    return reverse("admin:cases_organization_change", args=[org.pk])


def form_data(org: Organization, **changes) -> dict:
    data = {
        "name": org.name,
        "short_code": org.short_code,
        "seal_name": org.seal_name,
        "region": org.region_id,
        "passphrase": "",
    }
    return data | changes


# --- stored encrypted --------------------------------------------------------------------------
def test_the_column_holds_a_token_not_the_passphrase(world):
    org = world["east"]
    org.set_signing_passphrase(SECRET)
    org.save()
    column = stored_column(org)
    assert SECRET not in column and column.startswith("gAAAA")  # a Fernet token
    org.refresh_from_db()
    assert org.get_signing_passphrase() == SECRET
    org.set_signing_passphrase("")
    assert org.signing_passphrase == "" and org.get_signing_passphrase() == ""


def test_the_key_comes_from_the_setting(world, settings):
    key = Fernet.generate_key().decode()
    settings.TIAOJIE_FIELD_KEY = key
    token = crypto.encrypt(SECRET)
    assert Fernet(key.encode()).decrypt(token.encode()).decode() == SECRET
    # Unset (outside production): derived from SECRET_KEY, so it still works, and differs.
    settings.TIAOJIE_FIELD_KEY = ""
    assert crypto.fernet()._fernets[0]._signing_key != Fernet(key.encode())._signing_key
    with pytest.raises(crypto.DecryptionFailed, match="TIAOJIE_FIELD_KEY"):
        crypto.decrypt(token)


def test_rotating_the_key(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TIAOJIE_FIELD_KEY = old
    org = world["east"]
    org.set_signing_passphrase(SECRET)
    org.save()
    settings.TIAOJIE_FIELD_KEY = f"{new},{old}"  # new first: it encrypts, both decrypt
    org.refresh_from_db()
    assert org.get_signing_passphrase() == SECRET
    call_command("reencrypt_passphrases", verbosity=0)
    settings.TIAOJIE_FIELD_KEY = new  # the old key can go now
    org.refresh_from_db()
    assert org.get_signing_passphrase() == SECRET


def test_a_lost_key_is_a_clear_error_not_a_500(world, settings, p12, client, admin_user):
    org = with_certificate(world["east"], p12, PASSPHRASE)
    settings.TIAOJIE_FIELD_KEY = Fernet.generate_key().decode()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="无法解密"):
        org.full_clean()
    client.force_login(admin_user)
    page = client.get(change_page(client, org))
    assert page.status_code == 200
    # Typing the passphrase again repairs it.
    response = client.post(change_page(client, org), form_data(org, passphrase=PASSPHRASE))
    assert response.status_code == 302, response.content.decode()
    org.refresh_from_db()
    assert org.get_signing_passphrase() == PASSPHRASE


# --- the admin form ------------------------------------------------------------------------------
def test_the_admin_page_never_contains_the_passphrase(world, p12, client, admin_user):
    org = with_certificate(world["east"], p12, PASSPHRASE)
    client.force_login(admin_user)
    response = client.get(change_page(client, org))
    assert response.status_code == 200
    page = response.content.decode()
    assert PASSPHRASE not in page
    assert org.signing_passphrase not in page  # nor its token
    assert 'type="password" name="passphrase"' in page and 'name="clear_passphrase"' in page
    assert 'name="passphrase" value=' not in page.replace('autocomplete="new-password" ', "")
    # The certificate is shown by name, with no link (it has no URL).
    assert "certificates/organization-" in page and 'href="/media/certificates' not in page


def test_empty_keeps_new_sets_clear_clears(world, p12, client, admin_user):
    org = with_certificate(world["east"], p12, PASSPHRASE)
    client.force_login(admin_user)
    before = stored_column(org)

    response = client.post(change_page(client, org), form_data(org, seal_name="东村调委会印"))
    assert response.status_code == 302, response.content.decode()
    org.refresh_from_db()
    assert org.seal_name == "东村调委会印" and stored_column(org) == before  # kept as it was

    response = client.post(change_page(client, org), form_data(org, passphrase="wrong"))
    assert response.status_code == 200 and "口令错误" in response.content.decode()
    assert 'value="wrong"' not in response.content.decode()  # not echoed back either
    org.refresh_from_db()
    assert org.get_signing_passphrase() == PASSPHRASE

    # A committee without a certificate may hold a passphrase; 清除 removes it.
    Organization.objects.filter(pk=org.pk).update(signing_certificate="")
    org.refresh_from_db()
    response = client.post(change_page(client, org), form_data(org, passphrase=SECRET))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.get_signing_passphrase() == SECRET and SECRET not in stored_column(org)
    response = client.post(change_page(client, org), form_data(org, clear_passphrase="on"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert stored_column(org) == ""


def test_the_certificate_is_private(world, p12):
    org = with_certificate(world["east"], p12, PASSPHRASE)
    assert org.signing_certificate.name == f"certificates/organization-{org.pk}.p12"
    assert storages["private"].exists(org.signing_certificate.name)
    assert not default_storage.exists(org.signing_certificate.name)


# --- the migrations -------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_old_passphrases_and_move_certificates(world, p12):
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0003_party_identity_documents")])
    org = world["east"]
    default_storage.save("certificates/east.p12", ContentFile(p12))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_organization SET signing_passphrase = %s, signing_certificate = %s "
            "WHERE id = %s",
            [PASSPHRASE, "certificates/east.p12", org.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    org.refresh_from_db()
    assert stored_column(org) != PASSPHRASE and org.get_signing_passphrase() == PASSPHRASE
    assert org.signing_certificate.name == f"certificates/organization-{org.pk}.p12"
    assert storages["private"].open(org.signing_certificate.name).read() == p12
    assert not default_storage.exists("certificates/east.p12")
    org.full_clean()  # the moved certificate opens with the decrypted passphrase
    call_command("migrate", verbosity=0)
