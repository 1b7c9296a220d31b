"""Who may do what with a case's documents: fetch a PDF (one rule for the web page and the
API) and retry a failed render (the case page, the admin action, the command)."""

from __future__ import annotations

from cases import scope
from cases.choices import Role
from cases.models import Case
from cases.scope import Viewer
from core.errors import InvalidState, NotFound, PermissionDenied
from documents.models import Document, EvidencePhoto

RETRY_ROLES = frozenset({Role.CLERK})  # and so the director (cases.scope.IMPLIES)
RETRY_LABEL = "出具文书"


def may_retry(user: Viewer, case: Case) -> bool:
    """Whether the case page offers 重试生成 on the case's failed documents."""
    return bool(scope.effective_roles(user, case) & RETRY_ROLES)


def check_retry(user: Viewer, doc: Document) -> None:
    """NotFound outside scope, PermissionDenied for another role, InvalidState unless failed.
    `user` None is the operator (the admin action, `documents_retry`)."""
    if user is not None:
        scope.check_role(user, doc.case, RETRY_ROLES, RETRY_LABEL)
    if doc.status != Document.Status.FAILED:
        raise InvalidState("只有生成失败的文书可以重试。")


def downloadable(user: Viewer, pk: int) -> Document:
    """The document if `user` may download it now. Outside the case scope it does not exist
    (NotFound); supervisors see the list but not the PDF, which carries unmasked personal
    data (SPEC §1); a pending or failed document has no file yet (InvalidState)."""
    doc = (
        Document.objects.select_related("case")
        .filter(case__in=Case.objects.visible_to(user).values("pk"), pk=pk)
        .first()
    )
    if doc is None:
        raise NotFound("文书不存在。")
    if not scope.sees_personal_data(user, doc.case):
        raise PermissionDenied("文书含当事人完整个人信息，督导员只能查看文书目录。")
    if doc.status not in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
        raise InvalidState(
            "文书尚未生成，请稍后再试。"
            if doc.status == Document.Status.PENDING
            else "文书生成失败，请由登记员重试生成。"
        )
    return doc


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
