"""Download names (RFC 6266 / RFC 5987): a Chinese name for browsers that read `filename*`,
an ASCII one in `filename` for those that do not."""

from __future__ import annotations

import re
from urllib.parse import quote

UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')  # not in a file name on any desktop system


def safe_name(name: str) -> str:
    return UNSAFE.sub("_", name).strip() or "download"


def content_disposition(name: str, ascii_name: str, *, attachment: bool = False) -> str:
    kind = "attachment" if attachment else "inline"
    fallback = safe_name(ascii_name).encode("ascii", "replace").decode().replace("?", "_")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe_name(name))}"


def document_names(doc) -> tuple[str, str]:
    """("（2026）东村调委人调字第0001号-调解协议书.pdf", "2026-0001-AGR.pdf") for a document,
    with "（第2版）" / "-v2" for a later version and the slot's order for several records."""
    # a lead's own document (its FBK) is named by the lead's number
    number = doc.case.number if doc.case is not None else doc.lead.number
    digits = "-".join(re.findall(r"\d+", number)) or str(doc.case_id or doc.lead_id)
    version = f"（第{doc.version}版）" if doc.version > 1 else ""
    ascii_version = f"-v{doc.version}" if doc.version > 1 else ""
    return (
        f"{number}-{doc.title}{version}.pdf",
        f"{digits}-{doc.code}{ascii_version}.pdf",
    )
