"""Strict environment helpers: a value that cannot be parsed stops the process with its name."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {sorted(choices)}")
    return value


def env_cache(name: str, *, table: str) -> dict[str, Any]:
    """The default cache, shared by every web node and worker: unset → Django's database cache
    (in `table`, created by a migration, web/migrations/0001_cache_table.py); `redis://` or
    `rediss://` → Django's Redis backend. Only the scheme is named in an error: the URL may hold
    a password."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        # One table for every node: room for the rate-limit counters and list counts of all
        # (Django's default of 300 entries culls a third of them when full).
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    scheme = urlsplit(raw).scheme
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "core.redis_cache.RedisCache",  # Django's, one client per server
            "LOCATION": raw,
            "KEY_PREFIX": "tiaojie",
            # A Redis that stops answering fails a request (and /readyz/) in seconds, not never.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    raise ImproperlyConfigured(
        f"{name} has the scheme {scheme or '(none)'!r}: use redis:// or rediss://, "
        "or leave it unset for the database cache"
    )


def env_s3_storage(prefix: str = "TIAOJIE_S3_") -> dict[str, Any] | None:
    """The private storage on S3-compatible object storage (core/s3.py), or None when
    `{prefix}BUCKET` is unset (the local disk). `ENDPOINT_URL` (http:// or https://; empty: AWS
    itself), `REGION` (default us-east-1), `ACCESS_KEY_ID` and `SECRET_ACCESS_KEY` (both or
    neither: neither is boto3's own chain, e.g. an instance role), `LOCATION` (a key prefix in
    the bucket), `ADDRESSING_STYLE` (path, the default, which SeaweedFS and MinIO need; virtual;
    auto), `CONNECT_TIMEOUT` and `READ_TIMEOUT` (seconds). No value is named in an error."""
    bucket = env_str(f"{prefix}BUCKET").strip()
    if not bucket:
        return None
    endpoint = env_str(f"{prefix}ENDPOINT_URL").strip()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"{prefix}ENDPOINT_URL has the scheme {parts.scheme or '(none)'!r} or no host: "
                "use http://host:port or https://host"
            )
    key, secret = env_str(f"{prefix}ACCESS_KEY_ID"), env_str(f"{prefix}SECRET_ACCESS_KEY")
    if bool(key) != bool(secret):
        raise ImproperlyConfigured(
            f"set both {prefix}ACCESS_KEY_ID and {prefix}SECRET_ACCESS_KEY, or neither"
        )
    location = env_str(f"{prefix}LOCATION").strip().strip("/")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": env_str(f"{prefix}REGION", "us-east-1").strip() or "us-east-1",
        "access_key": key or None,
        "secret_key": secret or None,
        "location": location,
        "addressing_style": env_choice(
            f"{prefix}ADDRESSING_STYLE", "path", {"path", "virtual", "auto"}
        ),
        "connect_timeout": env_int(f"{prefix}CONNECT_TIMEOUT", 2, minimum=1),
        "read_timeout": env_int(f"{prefix}READ_TIMEOUT", 20, minimum=1),
    }
    return {"BACKEND": "core.s3.PrivateS3Storage", "OPTIONS": options}
