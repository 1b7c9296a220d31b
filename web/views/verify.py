import hashlib

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.uploads import limit_for, refusal_message, upload_purpose
from documents.models import Document


@upload_purpose("verify")  # core/uploads.py: a PDF past its limit is refused while it streams
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request, token: str):
    """Public: is this document authentic? Shows no personal data (SPEC §5)."""
    doc = Document.objects.select_related("case", "lead").filter(token=token).first()
    if doc is None or doc.status not in (Document.Status.ISSUED, Document.Status.SUPERSEDED):
        raise Http404("文书不存在")
    upload_result: dict[str, object] | None = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        limit = limit_for("verify")
        if upload is None:
            upload_result = {"error": "请选择要核对的 PDF 文件。"}
        elif upload.size > limit:  # the middleware stops it first; never hash past the limit
            upload_result, status = {"error": refusal_message("verify", limit)}, 413
        else:
            digest = hashlib.sha256()
            for chunk in upload.chunks():  # as received: memory or a temporary file, in chunks
                digest.update(chunk)
            upload_result = {
                "match": digest.hexdigest() == doc.sha256,
                "sha256": digest.hexdigest(),
            }
    return render(
        request, "documents/web/verify.html", {"doc": doc, "result": upload_result}, status=status
    )
