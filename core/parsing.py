"""Text a person types, read as what it means: amounts as people write them ("1,200", "1200元",
"1.2万", "一万二"), and agreement terms without the numbers people type in front of them (the
documents number the terms). The one parser for the pages, the API and the services."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

AMOUNT_MAX = Decimal("1e12")  # the models' DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3}
_DIGITS |= {"四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7}
_DIGITS |= {"八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_PREFIXES = ("人民币", "¥", "￥", "RMB")
_SUFFIXES = ("元整", "元", "圆整", "圆", "块钱", "块")


class AmountError(ValueError):
    """The text is not an amount (the message says what to write instead)."""


def _chinese_integer(text: str) -> int:
    """'一万二千三百' → 12300, '十五' → 15, '三千五' (a trailing digit after 千 means 百) → 3500."""
    total, section, digit, last_unit = 0, 0, None, 1
    for char in text:
        if _DIGITS.get(char) == 0:  # 一百零五: the next digit counts units
            digit, last_unit = None, 1
        elif char in _DIGITS:
            if digit is not None:
                raise AmountError(text)
            digit = _DIGITS[char]
        elif char in _UNITS:
            unit = _UNITS[char]
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif char in _BIG:
            section += digit or 0
            total = (total + section) * _BIG[char]
            section, digit, last_unit = 0, None, _BIG[char]
        else:
            raise AmountError(text)
    if digit is not None:  # 一万二 = 12000, 三千五 = 3500, 十五 = 15
        section += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total + section


def parse_amount(value: object) -> Decimal | None:
    """An amount in yuan, to the cent; None for nothing typed. AmountError for anything that is
    not an amount: a word, a negative amount, more than two decimals, a trillion or more."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AmountError(str(value))
    if isinstance(value, (int, float, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise AmountError(str(value))
    text = re.sub(r"[\s,，_']", "", text).upper()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            text = text.removesuffix(suffix)
            break
    multiplier = 1
    if text[-1:] in _BIG and re.fullmatch(r"[0-9.]+[万萬亿]", text):
        multiplier, text = _BIG[text[-1]], text[:-1]
    try:
        if re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", text):
            amount = Decimal(text) * multiplier
        elif any(c in _DIGITS or c in _UNITS for c in text) and all(
            c in _DIGITS or c in _UNITS or c in _BIG for c in text
        ):
            amount = Decimal(_chinese_integer(text))
        else:
            raise AmountError(text)
    except InvalidOperation:
        raise AmountError(text) from None
    if not amount.is_finite() or amount < 0 or amount >= AMOUNT_MAX:
        raise AmountError(text)
    if amount != amount.quantize(CENT):
        raise AmountError(text)
    return amount.quantize(CENT)


# A number typed in front of a term: 一、 1. 1、 (一) （1） 第一条 ① — not the "1.2" of "1.2万元".
_NUM = r"[0-9０-９]+|[一二三四五六七八九十百零〇两]+"
_TERM_NUMBER = re.compile(
    rf"""^\s*(?:
        第\s*(?:{_NUM})\s*[条项款][\s、.．:：,，]*
      | [（(]\s*(?:{_NUM})\s*[）)][\s、.．]*
      | (?:{_NUM})\s*[）)][\s、.．]*
      | (?:{_NUM})\s*(?:、|[.．](?![0-9０-９]))\s*
      | [①-⑳]\s*[、.．]?\s*
    )""",
    re.VERBOSE,
)


def strip_term_number(term: str) -> str:
    """The term without a number typed in front of it ('一、甲方…' → '甲方…')."""
    text = term.strip()
    stripped = _TERM_NUMBER.sub("", text, count=1).strip()
    return stripped or text


def clean_terms(terms: object) -> list[str]:
    """Lines (a text or a list) → the terms, each stripped of a typed number, blanks dropped."""
    if isinstance(terms, str):
        lines: list[object] = list(terms.splitlines())
    elif isinstance(terms, (list, tuple)):
        lines = list(terms)
    else:
        lines = []
    return [t for t in (strip_term_number(str(line)) for line in lines) if t]
