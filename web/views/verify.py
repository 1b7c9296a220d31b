import hashlib

from django.http import Http404
from django.shortcuts import render

from documents.models import Document


def verify(request, token: str):
    """Public: is this document authentic? Shows no personal data (SPEC §5)."""
    doc = Document.objects.select_related("case").filter(token=token).first()
    if doc is None or doc.status not in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
        raise Http404("文书不存在")
    upload_result: dict[str, object] | None = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            upload_result = {"error": "请选择要核对的 PDF 文件。"}
        else:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload_result = {
                "match": digest.hexdigest() == doc.sha256,
                "sha256": digest.hexdigest(),
            }
    return render(request, "documents/web/verify.html", {"doc": doc, "result": upload_result})
