"""Encryption of secrets stored in the database (SPEC §12: the signing certificate's passphrase).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with the key(s) of
``settings.TIAOJIE_FIELD_KEY``: one Fernet key, or several separated by commas while rotating —
the first encrypts, every one decrypts (``MultiFernet``). Without the setting, outside
production only, the key is derived from ``SECRET_KEY`` with HKDF-SHA256 (settings.py refuses to
start under ``PRODUCTION=1`` without it).

Generate a key with ``python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"``.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_SALT = b"tiaojie field encryption"
HKDF_INFO = b"TIAOJIE_FIELD_KEY derived from SECRET_KEY (development only)"


class DecryptionFailed(Exception):
    """The stored value was not encrypted with any key of TIAOJIE_FIELD_KEY."""


def parse_keys(value: str) -> list[bytes]:
    """The keys of a TIAOJIE_FIELD_KEY value; ValueError (naming no key) when one is no Fernet
    key."""
    keys = [k.strip().encode() for k in value.split(",") if k.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"TIAOJIE_FIELD_KEY: key {number} is not a Fernet key "
                "(32 bytes, url-safe base64: generate one with Fernet.generate_key())"
            ) from None
    return keys


def derived_key(secret_key: str) -> bytes:
    """The development key: HKDF-SHA256 over SECRET_KEY, as a Fernet key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@functools.lru_cache(maxsize=4)
def _fernet(configured: str, secret_key: str) -> MultiFernet:
    keys = parse_keys(configured) if configured.strip() else [derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> MultiFernet:
    # Keyed on the settings' values: a test that overrides them gets its own key.
    return _fernet(getattr(settings, "TIAOJIE_FIELD_KEY", ""), settings.SECRET_KEY)


def encrypt(text: str) -> str:
    """A Fernet token (ASCII) for ``text``; the empty string stays empty."""
    if not text:
        return ""
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionFailed(
            "无法解密已保存的口令：TIAOJIE_FIELD_KEY 与加密时使用的密钥不同"
            "（轮换密钥时请把旧密钥保留在新密钥之后，用逗号分隔）。"
        ) from None


def is_encrypted(value: str) -> bool:
    """Whether ``value`` decrypts with the configured keys (the migration's test for a
    plaintext passphrase left from before encryption)."""
    try:
        decrypt(value)
    except DecryptionFailed:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same secret under the first (newest) key (``MultiFernet.rotate``)."""
    if not token:
        return ""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionFailed(
            "无法解密已保存的口令：TIAOJIE_FIELD_KEY 与加密时使用的密钥不同。"
        ) from None
