"""Who may fetch a document's PDF: one rule for the web page and the API."""

from __future__ import annotations

from cases import scope
from cases.models import Case
from documents.models import Document
from workflows.errors import InvalidState, NotFound, PermissionDenied


def downloadable(user, pk: int) -> Document:
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
