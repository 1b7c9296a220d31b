"""TIAOJIE_FIELD_KEY (core/crypto.py): required under PRODUCTION=1, checked at start-up, never
echoed; outside production derived from SECRET_KEY with HKDF when unset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from core import crypto

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION = {
    "PRODUCTION": "1",
    "SECRET_KEY": "tiaojie-field-key-test-" + "klmnopqrst" * 5,
    "ALLOWED_HOSTS": "tiaojie.example",
}


def start(**env: str) -> subprocess.CompletedProcess:
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "TIAOJIE_FIELD_KEY", "PRODUCTION"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=ROOT,
        env=full | env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_the_key_does_not_start():
    result = start(**PRODUCTION)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PRODUCTION=1 requires TIAOJIE_FIELD_KEY" in result.stderr


def test_a_key_that_is_no_fernet_key_does_not_start_and_is_not_echoed():
    result = start(TIAOJIE_FIELD_KEY="hunter2-not-a-key")
    assert result.returncode != 0
    assert "key 1 is not a Fernet key" in result.stderr and "hunter2" not in result.stderr
    good = Fernet.generate_key().decode()
    result = start(TIAOJIE_FIELD_KEY=f"{good},hunter2-not-a-key")
    assert "key 2 is not a Fernet key" in result.stderr


def test_production_with_the_key_starts():
    result = start(**PRODUCTION, TIAOJIE_FIELD_KEY=Fernet.generate_key().decode())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_outside_production_the_key_is_derived_from_secret_key(settings):
    settings.TIAOJIE_FIELD_KEY = ""
    derived = crypto.derived_key(settings.SECRET_KEY)
    token = crypto.encrypt("口令")
    assert Fernet(derived).decrypt(token.encode()).decode() == "口令"
    assert crypto.derived_key(settings.SECRET_KEY + "x") != derived
    settings.SECRET_KEY = settings.SECRET_KEY + "x"  # another SECRET_KEY: another key
    assert not crypto.is_encrypted(token)
