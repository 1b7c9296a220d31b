"""SPEC §12: `manage.py check --deploy` with PRODUCTION=1 and real settings prints no warning;
and production refuses a SECRET_KEY that check --deploy would warn about."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def production_env(**overrides: str) -> dict[str, str]:
    """What production requires (config/settings.py), nothing from the developer's shell that
    would change the answer."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PRODUCTION"}
        and not k.startswith(("SECURE_", "TIAOJIE_", "DJANGO_"))
    }
    return (
        base
        | {
            "PRODUCTION": "1",
            "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
            "ALLOWED_HOSTS": "tiaojie.example",
            "CSRF_TRUSTED_ORIGINS": "https://tiaojie.example",
            "SITE_URL": "https://tiaojie.example",
            "TIAOJIE_FIELD_KEY": Fernet.generate_key().decode(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        | overrides
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_in_production_has_no_warning():
    env = production_env()
    assert len(env["SECRET_KEY"]) == 64
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert not [line for line in output.splitlines() if line.startswith("?:")], output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize(
    "key, why",
    [
        ("k" * 20 + secrets.token_urlsafe(20)[:29], "49 characters"),
        ("ab" * 40, "fewer than 5 different characters"),
        ("django-insecure-" + secrets.token_urlsafe(48), "Django's startproject key"),
    ],
    ids=["49 characters", "5 different characters", "startproject key"],  # the same in every
    # xdist worker: ids made of random keys would differ between their collections
)
def test_production_refuses_a_weak_secret_key(key, why):
    result = manage("check", env=production_env(SECRET_KEY=key))
    assert result.returncode != 0, why
    assert "SECRET_KEY must be at least 50 characters" in result.stderr, (why, result.stderr)


def test_hsts_preload_is_on_in_production_and_can_be_switched_off():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_PRELOAD, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT)"
    )

    def run(env):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        return out.stdout.split()[-6:], out.stderr

    values, err = run(production_env())
    assert values == ["True"] * 6, err
    values, err = run(production_env(SECURE_HSTS_PRELOAD="0"))
    assert values[0] == "False", err
