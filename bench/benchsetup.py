"""The set-up the PostgreSQL benchmarks share: their own database (created if missing, migrated),
never DATABASE_URL — a benchmark that bulk-creates rows must not land in a real database."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def setup_django(env_var: str, default_url: str, name: str) -> None:
    warnings.filterwarnings("ignore", "No directory at")  # whitenoise: no collectstatic here
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ.get(env_var, default_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("CELERY_BROKER_URL", None)
    create_database(os.environ["DATABASE_URL"], f"{name} needs PostgreSQL ({env_var}=postgres://…)")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_database(url: str, refusal: str) -> None:
    import psycopg

    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(refusal)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
