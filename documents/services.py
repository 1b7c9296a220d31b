"""Issuing documents: schedule (in the caller's transaction), render (after commit, in a worker
or in-process), retry. The only path to a Document's bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from cases.models import Case, display_name
from core.i18n import in_official_language
from documents import access, numbers, signing
from documents import context as ctx
from documents.models import ORDER, Document, EvidencePhoto

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from cases.scope import Viewer
    from screening.models import Lead

log = logging.getLogger(__name__)
# One version chain per record: several records, or (JCA, JCB) one per 司法确认 application —
# a new application after a refusal is a new document, not a correction of the refused one.
SLOTTED = {"INV", "MED", "EXT", "FUV", "SUP", "AGR", "ORA", "JCA", "JCB"}


def _number(case: Case, code: str, slot: str, record: Any) -> str:
    """See documents.numbers. Runs under the case's row lock (the caller's transaction), so two
    records added at once cannot take the same ordinal."""
    # `record` is the model instance `code` prints: the Agreement for AGR and ORA.
    if code in ("AGR", "ORA"):
        agreement_number: str = record.number
        return agreement_number
    if code == "JCB":  # the bundle is filed under its application's number
        code = "JCA"
    # A new version (a correction) keeps the number of the one it replaces.
    earlier = Document.objects.filter(case=case, code=code, slot=slot).order_by("version")
    if number := earlier.values_list("number", flat=True).first():
        return number
    if code not in numbers.REPEATED and code != "JCA":
        return numbers.document_number(case.number, code)
    # the records (slots) of this kind before this one
    before = Document.objects.filter(case=case, code=code).values("slot").distinct().count()
    if code == "JCA":  # the first application …司确字第0007号, a new one after a refusal -2
        return numbers.nth(numbers.document_number(case.number, code), before + 1)
    return numbers.document_number(case.number, code, before + 1)


def dossier_documents(case: Case) -> list[Document]:
    docs = Document.objects.filter(
        case=case,
        superseded_by__isnull=True,
        status__in=[Document.Status.ISSUED, Document.Status.PENDING],
    ).exclude(code__in=("DOS", "JCB"))  # JCB binds copies of JCA and AGR
    return sorted(docs, key=lambda d: (ORDER.index(d.code), d.created_at, d.pk))


def dossier_photos(case: Case) -> list[dict[str, Any]]:
    """The evidence photos the electronic file keeps beside the documents, each by its hash."""
    return [
        {
            "kind": p.get_kind_display(),
            "taken_on": timezone.localtime(p.uploaded_at).date().isoformat(),
            "by": display_name(p.uploaded_by) if p.uploaded_by else "",
            "record": (
                timezone.localtime(p.investigation.conducted_at).strftime("%Y-%m-%d %H:%M")
                if p.investigation
                else ""
            ),
            "size": f"{p.width}×{p.height}",
            "sha256": p.sha256,
        }
        for p in EvidencePhoto.objects.filter(case=case).select_related(
            "uploaded_by", "investigation"
        )
    ]


@in_official_language
def documents_schedule(
    case: Case,
    items: Iterable[tuple[str, models.Model | None]],
    *,
    actor: User | None,
    event: models.Model | None = None,
) -> list[Document]:
    """Create one pending Document per (code, record) with its context frozen now, and render
    each after the surrounding transaction commits."""
    created = []
    for code, record in items:
        slot = f"r{record.pk}" if record is not None and code in SLOTTED else ""
        last = Document.objects.filter(case=case, code=code, slot=slot).aggregate(v=Max("version"))
        doc = Document.objects.create(
            case=case,
            code=code,
            slot=slot,
            version=(last["v"] or 0) + 1,
            number=_number(case, code, slot, record),
            issued_by=actor,
        )
        doc.context = ctx.build_context(doc, record, actor)
        if code == "DOS":
            doc.context["dossier"] = {
                "archived_on": doc.context["document"]["issued_on"],
                "archivist": display_name(actor),
                "retention": "长期",
                "notes": "",
                "documents": [d.context for d in dossier_documents(case)],
                "photos": dossier_photos(case),
            }
        doc.save(update_fields=["context"])
        created.append(doc)
    ids = [d.pk for d in created]
    transaction.on_commit(lambda: _enqueue(ids))
    return created


@in_official_language
def lead_documents_schedule(
    lead: Lead, codes: Iterable[str], *, actor: User | None
) -> list[Document]:
    """A lead's own documents (SPEC §13: the FBK of a referred-in lead that ended without a
    case), pending with their context frozen now, rendered after the caller's transaction
    commits — the path of `documents_schedule`, numbered from the lead's number
    (documents.numbers.lead_document_number). Runs under the lead's row lock."""
    created = []
    for code in codes:
        last = Document.objects.filter(lead=lead, code=code, slot="").aggregate(v=Max("version"))
        doc = Document.objects.create(
            lead=lead,
            code=code,
            version=(last["v"] or 0) + 1,
            number=numbers.lead_document_number(lead.number, code),
            issued_by=actor,
        )
        doc.context = ctx.build_context(doc, None, actor)
        doc.save(update_fields=["context"])
        created.append(doc)
    ids = [d.pk for d in created]
    transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from documents.tasks import issue_document

    for pk in ids:
        issue_document.delay(pk)


def requeue_stale(minutes: int, *, limit: int = 500) -> int:
    """Send again the documents still pending `minutes` after they were scheduled: their task was
    lost with a worker killed mid-render (acks_late redelivers it only after the broker's
    visibility timeout, an hour on Redis) or never reached a broker that was down. Rendering is
    idempotent (`document_issue` takes the row lock and skips an issued one), so a document that
    was only slow is not issued twice. Beat runs it every 5 minutes (config/celery.py)."""
    cutoff = timezone.now() - dt.timedelta(minutes=minutes)
    ids = list(
        Document.objects.filter(status=Document.Status.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(ids)
    return len(ids)


@in_official_language
def file_name(doc: Document) -> str:
    """The stored name's last part: the row's id and code (ASCII, unique, nothing secret: the
    verify token never appears in a file name). The field adds documents/<year>/."""
    return f"{doc.pk}-{doc.code}.pdf"


def document_issue(pk: int) -> Document:
    """Render, sign (when configured), hash, store, then mark issued — in that order, so a
    failure at any step leaves the row pending/failed with its error and never a half-written
    file marked issued. The hash is taken last, of the exact bytes stored and served."""
    from documents import renderer

    doc = Document.objects.select_related("case").get(pk=pk)
    if doc.status in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
        return doc
    try:
        if doc.code == "DOS":
            result = renderer.render_dossier(doc.context)
        elif doc.code == "JCB":
            result = _render_bundle(doc)
        else:
            result = renderer.render_document(doc.code, doc.context)
        pdf = signing.sign_for(doc.code, doc.context, result.pdf)
        sha = hashlib.sha256(pdf).hexdigest()
        with transaction.atomic():
            doc = Document.objects.select_for_update().get(pk=pk)
            if doc.status in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
                return doc  # another worker finished first
            # A file left by an attempt that failed after writing it belongs to no issued row.
            name = doc.file.field.generate_filename(doc, file_name(doc))
            if doc.file.storage.exists(name):
                doc.file.storage.delete(name)
            doc.file.save(file_name(doc), ContentFile(pdf), save=False)
            doc.sha256, doc.size, doc.pages = sha, len(pdf), result.pages
            doc.missing_glyphs = result.missing_glyphs
            doc.status, doc.issued_at, doc.error = Document.Status.ISSUED, timezone.now(), ""
            doc.attempts += 1
            doc.save()
            # the same owner: its case, or (a lead's own document, no case) its lead
            owner: dict[str, Any] = (
                {"case_id": doc.case_id} if doc.case_id else {"lead_id": doc.lead_id}
            )
            previous = Document.objects.filter(
                **owner,
                code=doc.code,
                slot=doc.slot,
                version__lt=doc.version,
                superseded_by__isnull=True,
            )
            previous.update(superseded_by=doc, status=Document.Status.SUPERSEDED)
        return doc
    except Exception as exc:  # noqa: BLE001 - any render error must be recorded, not lost
        log.exception("rendering document %s failed", pk)
        Document.objects.filter(pk=pk).exclude(status=Document.Status.ISSUED).update(
            status=Document.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        doc.refresh_from_db()
        return doc


def _render_bundle(doc: Document) -> Any:
    """JCB: the JCA re-rendered from its frozen context (the same page it issues) and the
    AGR's stored bytes, bound with the identity page (documents.renderer.render_bundle)."""
    from documents import renderer

    record = doc.context["record"]
    assert doc.case_id is not None  # a bundle is a case's
    application = Document.objects.get(pk=record["application_document"], case_id=doc.case_id)
    agreement = Document.objects.get(
        pk=record["agreement_document"], case_id=doc.case_id, status=Document.Status.ISSUED
    )
    with agreement.file.open("rb") as handle:
        agreement_pdf = handle.read()
    return renderer.render_bundle(
        doc.context,
        application=renderer.render_document("JCA", application.context),
        agreement=agreement_pdf,
    )


def document_retry(doc: Document, *, actor: Viewer) -> Document:
    """Retry a failed render (button on the case page, `documents_retry` command)."""
    access.check_retry(actor, doc)
    Document.objects.filter(pk=doc.pk).update(status=Document.Status.PENDING, error="")
    transaction.on_commit(lambda: _enqueue([doc.pk]))
    doc.refresh_from_db()
    return doc
