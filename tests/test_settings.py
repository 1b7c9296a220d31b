"""Settings fail loudly on bad values (STYLE habit 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_cache, env_choice, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent
# A key production accepts (≥ 50 characters, ≥ 5 different ones: config/settings.py).
GOOD_KEY = "tiaojie-test-" + "abcdefghij" * 5


def test_env_bool(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG")
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", True) is True


def test_env_int(monkeypatch):
    monkeypatch.setenv("X_N", "12")
    assert env_int("X_N", 1) == 12
    monkeypatch.setenv("X_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_N", 1)
    monkeypatch.setenv("X_N", "-1")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("X_N", 1, minimum=0)


def test_env_list_and_choice(monkeypatch):
    monkeypatch.setenv("X_L", "a.example, b.example,,")
    assert env_list("X_L") == ["a.example", "b.example"]
    monkeypatch.setenv("X_C", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("X_C", "INFO", {"INFO", "DEBUG"})


def _load_settings(**env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}} | env
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=ROOT,
        env=full | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bad_debug_value_stops_startup():
    result = _load_settings(DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_production_requires_allowed_hosts():
    result = _load_settings(PRODUCTION="1", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "PRODUCTION=1 requires ALLOWED_HOSTS" in result.stderr


def test_production_switches_on_hardening():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "PRODUCTION": "1",
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "tiaojie.example",
        "TIAOJIE_FIELD_KEY": Fernet.generate_key().decode(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["True", "31536000", "False"], out.stderr


def test_defaults(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "en" in dict(settings.LANGUAGES)
    if not os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_env_cache(monkeypatch):
    monkeypatch.delenv("X_CACHE", raising=False)
    default = env_cache("X_CACHE", table="tiaojie_cache")
    assert default["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert default["LOCATION"] == "tiaojie_cache"
    for url in ("redis://127.0.0.1:6379/1", "rediss://:pw@cache.example:6380/0"):
        monkeypatch.setenv("X_CACHE", url)
        assert env_cache("X_CACHE", table="t") == {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tiaojie",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    monkeypatch.setenv("X_CACHE", "memcached://admin:hunter2@127.0.0.1:11211")
    with pytest.raises(ImproperlyConfigured, match="scheme 'memcached'") as refused:
        env_cache("X_CACHE", table="t")
    assert "hunter2" not in str(refused.value)  # the URL may hold a password: not echoed


def test_bad_cache_url_stops_startup():
    result = _load_settings(CACHE_URL="locmem://")
    assert result.returncode != 0
    assert "CACHE_URL has the scheme 'locmem'" in result.stderr


def test_log_format_json_writes_one_object_a_line():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('tiaojie.test').warning('调解\\n第二行 %s', 42)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    # Every line is one object (start-up lines too, e.g. django-axes' "AXES: BEGIN …").
    entries = [json.loads(line) for line in out.stderr.splitlines()]
    [entry] = [e for e in entries if e["logger"] == "tiaojie.test"]
    assert set(entry) == {"time", "level", "logger", "message", "request_id"}
    assert entry["level"] == "WARNING" and entry["logger"] == "tiaojie.test"
    assert entry["message"] == "调解\n第二行 42" and entry["request_id"] == "-"
    refused = _load_settings(LOG_FORMAT="xml")
    assert refused.returncode != 0 and "LOG_FORMAT='xml' must be one of" in refused.stderr
