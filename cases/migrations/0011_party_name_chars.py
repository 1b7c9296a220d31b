"""A GIN index of each party name's characters (PostgreSQL), for the case search by name
(workflows.selectors._name_q): `q=张` reads the index instead of every party of every case."""

from django.db import migrations

INDEX = "cases_party_name_chars_idx"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_party "
            "USING gin (string_to_array(lower(name), NULL))"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_party_rating")]

    operations = [migrations.RunPython(add, remove)]
