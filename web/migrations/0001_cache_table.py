"""The table of the database cache (CACHES in config/settings.py, the default without CACHE_URL),
created with the database so that `make run`, `make test` (pytest-django's test database is
migrated) and any deployment's `migrate` have it with nothing else to run. Created whatever
CACHE_URL says now, so a node switched back to the database cache finds it."""

from django.core.management import call_command
from django.db import migrations

TABLE = "tiaojie_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create, drop, elidable=False)]
