"""Document numbers (文书编号), derived from the case number (SPEC §3, §5).

A case numbered ``（2026）东村调委人调字第0007号`` issues its documents under the same year,
committee and sequence, each with its own word (代字) in place of 人调:

    受理登记表        （2026）东村调委受字第0007号
    第2份调查记录     （2026）东村调委调查字第0007-2号
    第1份回访记录     （2026）东村调委访字第0007-1号

Documents a case can hold several of (records, extensions, supervision notices) carry their
ordinal within the case after a hyphen, also when there is only one, so that a number never
changes meaning when a second record is added. Agreements keep their own 调协字 number; a
corrected version keeps the number of the version it replaces.

The number is built from the case number rather than the committee's current short code, so a
case escalated to another committee keeps numbering its documents as it was registered. A
deployment whose case-number format has no ``人调字第…号`` gets the case number followed by
the document's label instead (``…-调查2``).
"""

from __future__ import annotations

import re

# 代字: the word that replaces 人调 in the case number.
WORDS = {
    "APP": "申",
    "REG": "受",
    "NOT": "告",
    "DEC": "不受",
    "INV": "调查",
    "MED": "调记",
    "EXT": "延",
    "TRM": "终",
    "CLS": "结",
    "FUV": "访",
    "SUP": "督",
    "FBK": "反馈",
    "JCA": "司确",
    "DOS": "卷",
}
# Used when the case number does not follow the default format.
LABELS = {
    "APP": "申请",
    "REG": "受理",
    "NOT": "告知",
    "DEC": "不予受理",
    "INV": "调查",
    "MED": "调解记录",
    "EXT": "延期",
    "TRM": "终止",
    "CLS": "结案",
    "FUV": "回访",
    "SUP": "督办",
    "FBK": "反馈",
    "JCA": "司法确认",
    "DOS": "卷宗",
}
# Kinds a case may hold several of: numbered with their ordinal within the case.
REPEATED = frozenset({"INV", "MED", "EXT", "FUV", "SUP"})

_CASE_WORD = re.compile(r"人调字第(?P<seq>[^号]+)号")


def document_number(case_number: str, code: str, ordinal: int | None = None) -> str:
    """The number of a ``code`` document of the case ``case_number``; ``ordinal`` (1, 2, …) is
    required for the kinds in REPEATED and refused for the others."""
    if code not in WORDS:
        raise ValueError(f"document code {code!r} has no number of its own")
    if (code in REPEATED) != (ordinal is not None) or (ordinal is not None and ordinal < 1):
        raise ValueError(f"{code}: ordinal {ordinal!r}")
    suffix = f"-{ordinal}" if ordinal else ""
    match = _CASE_WORD.search(case_number)
    if match is None:
        return f"{case_number}-{LABELS[code]}{ordinal or ''}"
    start, end = match.span()
    number = f"{WORDS[code]}字第{match['seq']}{suffix}号"
    return case_number[:start] + number + case_number[end:]


def nth(number: str, ordinal: int) -> str:
    """The ``ordinal``-th document of a kind a case holds one of at a time, numbered after the
    first: a new 司法确认申请 after the court refused the first (人民调解法 第三十三条) —
    ``…司确字第0007号``, then ``…司确字第0007-2号``."""
    if ordinal < 2:
        return number
    if number.endswith("号"):
        return f"{number[:-1]}-{ordinal}号"
    return f"{number}{ordinal}"


# A lead's own documents (SPEC §13: the 反馈函 of a referred-in lead that ended without a case)
# are numbered from the lead's number, per committee and year as it is: 排字 becomes 排反馈字, so
# ``（2026）东村调委排字第0003号`` issues ``（2026）东村调委排反馈字第0003号`` and never meets the
# 反馈字 number of a case. One such document per lead, so the numbers stay gap-free.
LEAD_WORDS = {"FBK": "排反馈"}
_LEAD_WORD = re.compile(r"排字第(?P<seq>[^号]+)号")


def lead_document_number(lead_number: str, code: str) -> str:
    """The number of the lead's ``code`` document (only FBK has one)."""
    if code not in LEAD_WORDS:
        raise ValueError(f"document code {code!r} is not a lead's document")
    match = _LEAD_WORD.search(lead_number)
    if match is None:
        return f"{lead_number}-{LABELS[code]}"
    start, end = match.span()
    return f"{lead_number[:start]}{LEAD_WORDS[code]}字第{match['seq']}号{lead_number[end:]}"
