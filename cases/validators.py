import re

from django.core.exceptions import ValidationError
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def validate_id_number(value: str) -> None:
    """居民身份证号: 18 characters, valid region/birth date and check digit (GB 11643)."""
    if not value:
        return
    try:
        ric.validate(value.upper())
    except StdnumError:
        raise ValidationError(
            "身份证号“%(value)s”无效：请检查位数、出生日期和末位校验码。",
            code="invalid_id_number",
            params={"value": value},
        ) from None


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
