"""HTML → PDF for every document (文书); the only module in the project that imports weasyprint.

The caller passes the record's data as a plain JSON-serialisable dict; the same dict is embedded in
the PDF (PDF/A-3b attachment ``record.json``, relationship Data) so the file carries its own data.
Identical input gives identical bytes, across processes, as long as WeasyPrint, Pango, HarfBuzz
and the fonts stay the same: that is why the caller stores the hash of the bytes it serves instead
of verifying by re-rendering.

Renders in one process are serialised by a lock: WeasyPrint's font configuration is shared and the
missing-glyph watch is process-wide. Scale by worker processes, not threads.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import segno
from django.template.loader import render_to_string

from documents import labels

# DOS (the dossier) and JCB (the 司法确认 bundle) are assembled from other documents.
CODES = tuple(code for code in labels.TITLES if code not in ("DOS", "JCB"))

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})")
_CN_DIGITS = "〇一二三四五六七八九"
_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_NOTDEF = ".notdef glyph rendered"
_RENDER_LOCK = threading.Lock()
_font_config = None
_frozen = False


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    missing_glyphs: bool


def render_document(code: str, context: dict[str, Any]) -> RenderResult:
    """Render one document of type ``code`` (APP, REG, … SUP) from its context."""
    return render_html(document_html(code, context), context)


def document_html(code: str, context: dict[str, Any]) -> str:
    """The HTML page ``render_document`` lays out (templates only, no WeasyPrint)."""
    if code not in CODES:
        raise ValueError(f"unknown document code {code!r}")
    return render_to_string(
        "documents/document.html",
        {"meta": _meta(context), "section": _section(code, context, anchor="doc")},
    )


def render_dossier(context: dict[str, Any]) -> RenderResult:
    """Render the archive file (卷宗): cover, contents, every issued document, 备考表."""
    entries = [
        {
            "anchor": f"doc-{index}",
            "document": item["document"],
            "title": _title(item["document"]["code"], item),
            "issued_on": cn_date(item["document"].get("issued_on") or ""),
            "html": _section(item["document"]["code"], item, anchor=f"doc-{index}"),
        }
        for index, item in enumerate(context["dossier"]["documents"], start=1)
    ]
    view = _display(context)
    seal = _seal(_seal_name("DOS", context))
    view.update(meta=_meta(context), entries=entries, law=labels, seal=seal)
    return render_html(render_to_string("documents/dossier.html", view), context)


def render_identity_page(context: dict[str, Any]) -> RenderResult:
    """The 司法确认 bundle's (JCB) page of the parties' identity (当事人身份信息)."""
    view = _display(context)
    view.update(
        meta=_meta(context),
        title=labels.IDENTITY_PAGE_TITLE,
        law=labels,
        qr=_qr_data_uri(context["document"].get("verify_url") or ""),
        seal=_seal(_seal_name("JCB", context)),
    )
    return render_html(render_to_string("documents/identity.html", view), context)


def render_bundle(
    context: dict[str, Any], *, application: RenderResult, agreement: bytes
) -> RenderResult:
    """JCB, the one PDF a 司法确认 application is filed as (SPEC §13): the 申请书 (JCA) as
    rendered from its own context, the issued 调解协议书 (AGR) as stored, then the parties'
    identity page. Pages are copied, not re-laid out, so the agreement reads as it was issued."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    identity = render_identity_page(context)
    writer = PdfWriter()
    for part in (application.pdf, agreement, identity.pdf):
        writer.append(PdfReader(BytesIO(part)))
    # The same bytes for the same inputs (no random /ID, no time of merging).
    writer.add_metadata({"/Title": _meta(context)["title"], "/Author": _meta(context)["author"]})
    out = BytesIO()
    writer.write(out)
    pages = len(writer.pages)
    return RenderResult(
        pdf=out.getvalue(),
        pages=pages,
        missing_glyphs=application.missing_glyphs or identity.missing_glyphs,
    )


# --- template context -------------------------------------------------------------------------


def _section(code: str, context: dict[str, Any], *, anchor: str) -> str:
    """One document's body as HTML (autoescaped, safe to embed in the page template)."""
    view = _display(context)
    document = context["document"]
    view.update(
        code=code,
        anchor=anchor,
        title=_title(code, context),
        law=labels,
        qr=_qr_data_uri(document.get("verify_url") or ""),
        party_qr=_qr_data_uri(context.get("case", {}).get("follow_url") or ""),
        seal=_seal(_seal_name(code, context)),
        party_names="、".join(party["name"] for party in context.get("parties", [])),
        signers=_signers(context),
        mediator_signature=_mediator_signature(context),
    )
    return render_to_string(f"documents/codes/{code.lower()}.html", view)


def _title(code: str, context: dict[str, Any]) -> str:
    title = context["document"].get("title") or labels.TITLES.get(code, "")
    if code == "APP" and context.get("record", {}).get("application_kind") == "oral":
        return labels.ORAL_APPLICATION_TITLE
    return title


def _seal_name(code: str, context: dict[str, Any]) -> str:
    # 督办通知书 is issued by the justice bureau, every other document by the committee.
    if code == "SUP":
        return context["record"].get("authority") or ""
    name: str = context["organization"].get("seal_name") or context["organization"].get("name", "")
    return name


def _signers(context: dict[str, Any]) -> list[dict[str, str]]:
    """One signature line per party, labelled with the party's role; the name is printed on the
    line only when the record says that party has signed."""
    parties = {party["name"]: party for party in context.get("parties", [])}
    signatures = (context.get("record") or {}).get("signatures") or {}
    rows = signatures.get("parties") or [{"name": name, "signed": False} for name in parties]
    signers = []
    for row in rows:
        party = parties.get(row["name"], {})
        signers.append(
            {
                "role": party.get("role", ""),
                "label": f"{party.get('role_label') or '当事人'}（签名）",
                "name": row["name"],
                "signed_name": row["name"] if row.get("signed") else "",
                # a signed draft (SPEC §14): the handwritten image and its time, or on paper
                "status": row.get("status", ""),
                "image": row.get("image", "") if row.get("status") == "signed" else "",
                "signed_at": cn_date(row.get("signed_at_shown") or ""),
            }
        )
    return signers


def _mediator_signature(context: dict[str, Any]) -> str:
    record = context.get("record") or {}
    if not (record.get("signatures") or {}).get("mediator"):
        return ""
    return "、".join(record.get("mediators") or context["case"].get("mediators") or [])


def _meta(context: dict[str, Any]) -> dict[str, str]:
    document = context["document"]
    return {
        "title": f"{document.get('title', '')} {document.get('number', '')}".strip(),
        "author": context["organization"].get("name", ""),
        "issued_at": document["issued_at"],
    }


def _display(value: Any) -> Any:
    """A copy of the context for printing: ISO dates become 2026年11月27日; an ``amount`` gains
    ``amount_upper`` (大写) and ``amount_figures`` (12,000.00); ``copies``/``days`` gain ``_cn``.

    Only whole-string dates are rewritten, so free text that merely mentions a date is untouched.
    """
    if isinstance(value, dict):
        shown = {key: _display(item) for key, item in value.items()}
        for key in ("amount", "amount_involved"):
            if value.get(key):
                shown[f"{key}_upper"] = rmb_upper(value[key])
                shown[f"{key}_figures"] = _figures(value[key])
        for key in ("copies", "days"):
            if isinstance(value.get(key), int):
                shown[f"{key}_cn"] = cn_number(value[key])
        return shown
    if isinstance(value, list):
        return [_display(item) for item in value]
    if isinstance(value, str):
        return cn_date(value)
    return value


def cn_date(value: str) -> str:
    """'2026-11-27' → '2026年11月27日', '2026-11-27 14:30' → '2026年11月27日 14时30分'."""
    if match := _DATETIME.fullmatch(value):
        year, month, day, hour, minute = match.groups()
        return f"{year}年{int(month)}月{int(day)}日 {hour}时{minute}分"
    if match := _DATE.fullmatch(value):
        year, month, day = match.groups()
        return f"{year}年{int(month)}月{int(day)}日"
    return value


def _figures(amount: str | int | float | Decimal) -> str:
    try:
        return f"{Decimal(str(amount)):,.2f}"
    except InvalidOperation:
        return str(amount)


def cn_number(value: int) -> str:
    """Small counts as written in prose: 3 → 三, 12 → 十二, 20 → 二十."""
    if not 0 <= value < 100:
        return str(value)
    tens, units = divmod(value, 10)
    if tens == 0:
        return _CN_DIGITS[units]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{head}十{_CN_DIGITS[units] if units else ''}"


def rmb_upper(amount: str | int | float | Decimal) -> str:
    """Amount in capital numerals as money is written on agreements: 12000 → 壹万贰仟元整."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return ""
    if value < 0 or value >= Decimal("1e16"):
        return ""
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    text = f"{_upper_integer(yuan)}元" if yuan else ""
    if jiao:
        text += f"{_UPPER_DIGITS[jiao]}角"
    elif fen and yuan:
        text += "零"
    if fen:
        return text + f"{_UPPER_DIGITS[fen]}分"
    return (text or "零元") + "整"


def _upper_integer(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    text, pending_zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _upper_group(group) + ("", "万", "亿", "万亿")[index]
        pending_zero = False
    return text


def _upper_group(group: int) -> str:
    text, zero = "", False
    for position, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = group // position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _UPPER_DIGITS[digit] + unit
    return text


def _qr_data_uri(url: str) -> str:
    if not url:
        return ""
    return segno.make(url, error="m", micro=False).svg_data_uri(border=0, dark="#000")


def _seal(name: str) -> dict[str, Any]:
    """Glyph positions for a round seal: the name along the upper arc, a star in the middle.

    Computed here because WeasyPrint's SVG engine does not lay text along a <textPath>.
    """
    chars = list(name)
    count = len(chars)
    size = 26.0 if count <= 10 else max(17.0, 26.0 * 10 / count)
    span = min(250.0, max(120.0, count * size * 0.95))
    radius = 86.0 - size * 0.6  # glyph centres, inside the 93-unit ring
    glyphs = []
    for index, char in enumerate(chars):
        angle = -span / 2 + span * (index + 0.5) / count
        theta = math.radians(angle)
        x, y = 100 + radius * math.sin(theta), 100 - radius * math.cos(theta)
        # The baseline sits below the glyph centre; strings keep Django's l10n off the numbers.
        transform = f"translate({x:.2f} {y:.2f}) rotate({angle:.2f}) translate(0 {size * 0.36:.2f})"
        glyphs.append({"char": char, "transform": transform})
    return {"name": name, "glyphs": glyphs, "size": f"{size:.2f}", "star": _star(100, 100, 30)}


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * 0.382
    points = []
    for index in range(10):
        radius = outer if index % 2 == 0 else inner
        theta = math.radians(index * 36)
        points.append(f"{cx + radius * math.sin(theta):.2f},{cy - radius * math.cos(theta):.2f}")
    return " ".join(points)


# --- PDF --------------------------------------------------------------------------------------


class _GlyphWatch(logging.Filter):
    """Notices WeasyPrint's ".notdef glyph rendered …" warning: a box was printed for a character
    no installed font has (a 生僻字 missing even from HanaMin).

    A filter on the ``weasyprint`` logger rather than a handler: it sees each record before any
    handler does, so it still works when the project's logging silences WeasyPrint (the logger's
    level is lowered for the render and the filter drops what the old level would have dropped).
    """

    def __init__(self) -> None:
        super().__init__()
        self.logger = logging.getLogger("weasyprint")
        self.missing = False
        self._old_level = self.logger.level
        self._threshold = self.logger.getEffectiveLevel()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and str(record.msg).startswith(_NOTDEF):
            self.missing = True
        return record.levelno >= self._threshold

    def __enter__(self) -> _GlyphWatch:
        if self._threshold > logging.WARNING:
            self.logger.setLevel(logging.WARNING)
        self.logger.addFilter(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.logger.removeFilter(self)
        self.logger.setLevel(self._old_level)


def _fonts() -> Any:
    # One FontConfiguration per process: building it scans fontconfig (~0.1 s per render).
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def render_html(html: str, context: dict[str, Any]) -> RenderResult:
    """Lay out ``html`` as PDF/A-3b with ``context`` attached as record.json."""
    # Imported here: loading WeasyPrint (Pango, HarfBuzz) costs ~0.5 s that web processes and
    # management commands, which import this module through the services, should not pay.
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    issued = _issued_at(context)
    record = Attachment(
        string=json.dumps(context, sort_keys=True, ensure_ascii=False),
        name="record.json",
        description="record data",
        created=issued,
        modified=issued,
        relationship="Data",
    )
    # Only inline data: URIs (the QR code); a template can never make the worker fetch a URL.
    fetcher = URLFetcher(allowed_protocols=("data",))
    with _RENDER_LOCK, _GlyphWatch() as watch:
        try:
            document = HTML(string=html, url_fetcher=fetcher).render(font_config=_fonts())
            pdf = document.write_pdf(pdf_variant="pdf/a-3b", attachments=[record])
            pages = len(document.pages)
        finally:
            document = None
            # WeasyPrint's layout trees are cyclic; without this a worker grows to ~800 MB.
            gc.collect()
            _freeze_long_lived()
    return RenderResult(pdf=pdf, pages=pages, missing_glyphs=watch.missing)


def _freeze_long_lived() -> None:
    """After the first render, move every object then alive (modules, Django, WeasyPrint, the
    font configuration: they live as long as the process) out of the collector's reach, so the
    collection after each later render walks only what that render allocated. A full collection
    over a worker's ~140 000 long-lived objects costs ~70 ms, a fifth of a render."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True


def _issued_at(context: dict[str, Any]) -> datetime:
    # The attachment's dates are written as UTC ("D:…Z"), so convert before WeasyPrint formats.
    issued = datetime.fromisoformat(context["document"]["issued_at"])
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    return issued.astimezone(UTC).replace(tzinfo=None)
