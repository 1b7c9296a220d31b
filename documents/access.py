"""Who may do what with a case's documents: fetch a PDF (one rule for the web page and the
API) and retry a failed render (the case page, the admin action, the command). A lead's own
document (the FBK of a referred-in lead that ended without a case, SPEC §13) follows the same
rules under the lead's scope (screening/scope.py)."""

from __future__ import annotations

from django.db.models import Q

from cases import scope
from cases.choices import Role
from cases.models import Case
from cases.scope import Viewer
from core.errors import InvalidState, NotFound, PermissionDenied
from documents.models import Document, EvidencePhoto
from screening.models import Lead
from screening.scope import check_lead_role, sees_lead_personal_data

RETRY_ROLES = frozenset({Role.CLERK})  # and so the director (cases.scope.IMPLIES)
RETRY_LABEL = "出具文书"


def may_retry(user: Viewer, case: Case) -> bool:
    """Whether the case page offers 重试生成 on the case's failed documents."""
    return bool(scope.effective_roles(user, case) & RETRY_ROLES)


def check_retry(user: Viewer, doc: Document) -> None:
    """NotFound outside scope, PermissionDenied for another role, InvalidState unless failed.
    `user` None is the operator (the admin action, `documents_retry`)."""
    if user is not None and doc.case is not None:
        scope.check_role(user, doc.case, RETRY_ROLES, RETRY_LABEL)
    elif user is not None and doc.lead is not None:
        check_lead_role(user, doc.lead, RETRY_ROLES, RETRY_LABEL)
    if doc.status != Document.Status.FAILED:
        raise InvalidState("只有生成失败的文书可以重试。")


def downloadable(user: Viewer, pk: int) -> Document:
    """The document if `user` may download it now. Outside the case scope it does not exist
    (NotFound); supervisors see the list but not the PDF, which carries unmasked personal
    data (SPEC §1); a pending or failed document has no file yet (InvalidState)."""
    doc = (
        Document.objects.select_related("case", "lead")
        .filter(
            Q(case__in=Case.objects.visible_to(user).values("pk"))
            | Q(lead__in=Lead.objects.visible_to(user).values("pk")),
            pk=pk,
        )
        .first()
    )
    if doc is None:
        raise NotFound("文书不存在。")
    if not sees_personal_data(user, doc):
        raise PermissionDenied("文书含当事人完整个人信息，督导员只能查看文书目录。")
    if doc.status not in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
        raise InvalidState(
            "文书尚未生成，请稍后再试。"
            if doc.status == Document.Status.PENDING
            else "文书生成失败，请由登记员重试生成。"
        )
    return doc


def sees_personal_data(user: Viewer, doc: Document) -> bool:
    """Whether `user` may read the document's PDF (its owner's rule: the case's or the
    lead's); lists and the verify page show only what is not personal."""
    if doc.case is not None:
        return scope.sees_personal_data(user, doc.case)
    return doc.lead is not None and sees_lead_personal_data(user, doc.lead)


def lead_documents(user: Viewer, lead: Lead) -> list[tuple[Document, bool]]:
    """The lead's own documents for the lead page and the API, each with whether `user` may
    download it (NotFound outside the lead's scope)."""
    if not Lead.objects.visible_to(user).filter(pk=lead.pk).exists():
        raise NotFound("线索不存在。")
    full = sees_lead_personal_data(user, lead)
    docs = Document.objects.filter(lead=lead).order_by("code", "version")
    return [
        (d, full and d.status in (Document.Status.ISSUED, Document.Status.SUPERSEDED)) for d in docs
    ]


def viewable_photo(user: Viewer, pk: int) -> EvidencePhoto:
    """An evidence photo under the rule of the PDFs: outside the case scope it does not exist;
    supervisors, who see personal data masked, do not see photos (they may show faces, ID
    cards, signatures)."""
    photo = (
        EvidencePhoto.objects.select_related("case")
        .filter(case__in=Case.objects.visible_to(user).values("pk"), pk=pk)
        .first()
    )
    if photo is None:
        raise NotFound("照片不存在。")
    if not scope.sees_personal_data(user, photo.case):
        raise PermissionDenied("证据照片可能含当事人个人信息，督导员只能看到照片数目。")
    return photo
