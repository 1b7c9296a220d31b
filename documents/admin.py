from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from cases import scope
from core.admin import ScopedAdmin
from documents.models import Document
from documents.services import document_retry


@admin.register(Document)
class DocumentAdmin(ScopedAdmin[Document]):
    scope_rule = staticmethod(scope.case_related_q)
    list_display = ["number", "code", "version", "status", "missing_glyphs", "issued_at", "case"]
    list_filter = ["status", "code", "missing_glyphs"]
    search_fields = ["number", "case__number", "token", "sha256"]
    actions = ["retry"]
    # The file is private (core/storage.py): no URL to link to; shown by name and size only
    # (the scoped download views serve it). Every other field is read-only.
    exclude = ["file"]
    readonly_fields = [f.name for f in Document._meta.fields if f.name != "file"] + ["stored_file"]

    @admin.display(description="文件")
    def stored_file(self, obj: Document) -> str:
        if not obj.file:
            return "—"
        return f"{obj.file.name}（{obj.size} 字节，私有存储）"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    @admin.action(description="重新生成失败的文书")
    def retry(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        n = 0
        for doc in queryset.filter(status=Document.Status.FAILED):
            document_retry(doc, actor=None)
            n += 1
        messages.info(request, f"已重新排队 {n} 份文书。")
