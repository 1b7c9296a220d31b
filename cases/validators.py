import functools
import re
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError

from cases import identity
from cases.choices import IdType

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def validate_id_number(value: str) -> None:
    """居民身份证号 (18 位), as cases.identity checks it: check digit, birth date, province; the
    county code is not held against the birth year (see cases/identity.py)."""
    if value:
        identity.check(IdType.RESIDENT_ID, value)


def validate_phone(value: str) -> None:
    if value and not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationError(
            "电话号码“%(value)s”无效：手机号为11位数字，固话如 0571-12345678。",
            code="invalid_phone",
            params={"value": value},
        )


def mask(value: str, keep: int = 4) -> str:
    """Show only the last `keep` characters (SPEC §1 supervisors' view)."""
    if not value:
        return value
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def certificate_problem(data: bytes, passphrase: str) -> str | None:
    """Why this PKCS#12 file cannot sign documents (in Chinese, for the committee's admin form),
    or None if it can. Signing itself is documents/signing.py (the only pyHanko import)."""
    try:
        key, cert = _load(data, passphrase)
    except (ValueError, UnsupportedAlgorithm):
        return "无法读取证书文件：不是 PKCS#12（.p12/.pfx）文件、证书口令错误或算法不受支持。"
    if key is None or cert is None:
        return "证书文件中没有私钥或证书。"
    now = datetime.now(UTC)
    if cert.not_valid_after_utc < now:
        return f"证书已于{cert.not_valid_after_utc:%Y-%m-%d}过期。"
    if cert.not_valid_before_utc > now:
        return f"证书自{cert.not_valid_before_utc:%Y-%m-%d}起才生效。"
    return None


# Decrypting a PKCS#12 file costs ~40 ms; a worker signs many documents with the same one. Keyed
# by the file's content, so a replaced certificate is simply another entry.
@functools.lru_cache(maxsize=8)
def _load(data: bytes, passphrase: str) -> tuple[Any, Any]:
    key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase.encode() or None)
    return key, cert
