"""Identity documents of parties (SPEC §11): one check per type, the label a document prints,
and what a client that predates the types meant.

The resident ID's county code is deliberately NOT checked against the birth year (as
`stdnum.cn.ric.validate` does): a number is issued where the holder was registered at first
issue, often decades after birth and after the county got its code. An unknown county code is a
notice, never a refusal. The check digit (GB 11643) and the birth date use stdnum's helpers.
"""

from __future__ import annotations

import datetime as dt
import re

import pycountry
from django.core.exceptions import ValidationError
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from cases.choices import IdType

# GB/T 2260 provinces (first two digits) that issue resident IDs, with 71 台湾, 81 香港, 82 澳门.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
HMT_PREFIXES = frozenset({"810000", "820000", "830000"})  # 港、澳、台居民居住证

_HK_MACAO = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN = re.compile(r"^\d{8}$")
_FOREIGN_OLD = re.compile(r"^[A-Z]{3}\d{12}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")

# What a document prints before the number, per type.
NUMBER_LABELS: dict[str, str] = {
    IdType.RESIDENT_ID: "身份证号",
    IdType.RESIDENT_ID_15: "身份证号（15位）",
    IdType.HMT_RESIDENCE: "港澳台居民居住证号",
    IdType.HK_MACAO_PERMIT: "港澳居民来往内地通行证号",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证号",
    IdType.FOREIGN_PERMANENT: "外国人永久居留身份证号",
    IdType.PASSPORT: "护照号",
    IdType.NONE: "证件号码",
}
# The form's hint under the number field, per type.
HINTS: dict[str, str] = {
    IdType.RESIDENT_ID: "18位，末位可为X",
    IdType.RESIDENT_ID_15: "15位数字（一代身份证）",
    IdType.HMT_RESIDENCE: "18位，以810000、820000或830000开头",
    IdType.HK_MACAO_PERMIT: "H或M开头，后接8位或10位数字",
    IdType.TAIWAN_PERMIT: "8位数字",
    IdType.FOREIGN_PERMANENT: "2023年起为9开头的18位；此前为3个字母加12位数字",
    IdType.PASSPORT: "5–20位字母或数字，并填写签发国家（如USA）",
    IdType.NONE: "当事人未携带或无证件时选此项，无需填写号码",
}


def number_label(id_type: str) -> str:
    return NUMBER_LABELS.get(id_type, "证件号码")


def normalize(number: str) -> str:
    return re.sub(r"\s+", "", number or "").upper()


def infer_type(number: str) -> str:
    """What a client written for API v1 (no `id_type`) meant: an 18-character number is a
    resident ID, 15 digits a first-generation one, no number none; anything else is checked as
    a resident ID and so refused with the resident ID's message."""
    number = normalize(number)
    if not number:
        return IdType.NONE
    if len(number) == 15 and number.isdigit():
        return IdType.RESIDENT_ID_15
    return IdType.RESIDENT_ID


def _refuse(id_type: str, number: str, why: str) -> ValidationError:
    label = number_label(id_type)
    return ValidationError(
        "%(label)s“%(value)s”无效：%(why)s",
        code="invalid_id_number",
        params={"label": label, "value": number, "why": why},
    )


def _check_digit_and_date(id_type: str, number: str, today: dt.date | None) -> None:
    if len(number) != 18 or not number[:17].isdigit():
        raise _refuse(id_type, number, "须为18位，前17位为数字，末位为数字或X。")
    if number[-1] != ric.calc_check_digit(number):
        raise _refuse(id_type, number, "末位校验码不符，请逐位核对。")
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        raise _refuse(id_type, number, "第7至14位不是有效的出生日期。") from None
    if born > (today or dt.date.today()) or born.year < 1880:
        raise _refuse(id_type, number, "出生日期不合理。")


def check(id_type: str, number: str, *, country: str = "", today: dt.date | None = None) -> str:
    """The number, normalized, if it is valid for `id_type`; ValidationError (in Chinese, naming
    the document) otherwise. `country` is the passport's issuing country (ISO 3166 alpha-3)."""
    number = normalize(number)
    if id_type == IdType.NONE:
        if number:
            raise _refuse(id_type, number, "证件类型为“无/不详”时不填写号码。")
        return ""
    if not number:
        raise _refuse(id_type, number, "请填写号码，或将证件类型选为“无/不详”。")
    if id_type == IdType.RESIDENT_ID:
        _check_digit_and_date(id_type, number, today)
        if number[:2] not in PROVINCES:
            raise _refuse(id_type, number, f"前两位“{number[:2]}”不是省级行政区划代码。")
    elif id_type == IdType.HMT_RESIDENCE:
        if number[:6] not in HMT_PREFIXES:
            raise _refuse(id_type, number, "须以810000、820000或830000开头。")
        _check_digit_and_date(id_type, number, today)
    elif id_type == IdType.FOREIGN_PERMANENT:
        if len(number) == 18:
            if not number.startswith("9"):
                raise _refuse(id_type, number, "18位的新版号码以9开头。")
            _check_digit_and_date(id_type, number, today)
        elif not _FOREIGN_OLD.match(number):
            raise _refuse(id_type, number, "新版为9开头的18位，旧版为3个字母加12位数字。")
    elif id_type == IdType.RESIDENT_ID_15:
        if len(number) != 15 or not number.isdigit():
            raise _refuse(id_type, number, "一代身份证号为15位数字。")
        try:
            dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        except ValueError:
            raise _refuse(id_type, number, "第7至12位不是有效的出生日期（YYMMDD）。") from None
    elif id_type == IdType.HK_MACAO_PERMIT:
        if not _HK_MACAO.match(number):
            raise _refuse(id_type, number, "应为H或M开头，后接8位或10位数字。")
    elif id_type == IdType.TAIWAN_PERMIT:
        if not _TAIWAN.match(number):
            raise _refuse(id_type, number, "应为8位数字。")
    elif id_type == IdType.PASSPORT:
        if not _PASSPORT.match(number):
            raise _refuse(id_type, number, "应为5至20位字母或数字。")
        if pycountry.countries.get(alpha_3=(country or "").upper()) is None:
            raise ValidationError(
                "护照须填写签发国家或地区的三位字母代码（ISO 3166，如 CHN、USA）。",
                code="invalid_country",
            )
    else:
        raise ValidationError("未知的证件类型“%(value)s”。", code="invalid_id_type",
                              params={"value": id_type})  # fmt: skip
    return number


def field_of(error: ValidationError) -> str:
    """The party field a `check` refusal belongs to: the passport's country, else the number."""
    return "id_country" if error.code == "invalid_country" else "id_number"


def notices(id_type: str, number: str) -> list[str]:
    """What the clerk should know but that refuses nothing: a resident ID whose county code is
    not in the national list (new, abolished long ago, or mistyped)."""
    number = normalize(number)
    if id_type != IdType.RESIDENT_ID or len(number) != 18:
        return []
    if not any("county" in props for _part, props in numdb.get("cn/loc").info(number[:6])):
        return [f"身份证号前6位“{number[:6]}”不在行政区划代码表中，请核对（不影响登记）。"]
    return []


def check_uscc(value: str) -> str:
    """统一社会信用代码 (GB 32100 check character)."""
    value = normalize(value)
    if not value:
        return ""
    try:
        return str(uscc.validate(value))
    except StdnumError:
        raise ValidationError(
            "统一社会信用代码“%(value)s”无效：应为18位，末位校验码须正确。",
            code="invalid_uscc",
            params={"value": value},
        ) from None


def birth_and_gender(id_type: str, number: str) -> tuple[dt.date | None, str]:
    """The birth date and gender ("male"/"female") a valid number carries, for the types whose
    number holds them (GB 11643: digits 7–14 the birth date, the 17th odd for men; the
    first-generation 15-digit number: 19YYMMDD in 7–12, the 15th digit); (None, "") otherwise.
    Call it on a number `check` has accepted."""
    number = normalize(number)
    try:
        if id_type == IdType.RESIDENT_ID_15 and len(number) == 15 and number.isdigit():
            born = dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
            sex_digit = int(number[14])
        elif (
            id_type in (IdType.RESIDENT_ID, IdType.HMT_RESIDENCE, IdType.FOREIGN_PERMANENT)
            and len(number) == 18
            and number[:17].isdigit()
        ):
            born = ric.get_birth_date(number)
            sex_digit = int(number[16])
        else:
            return None, ""
    except (ValueError, StdnumError):
        return None, ""
    return born, "male" if sex_digit % 2 else "female"
