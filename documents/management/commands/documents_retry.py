from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.models import Document
from documents.services import document_issue


class Command(BaseCommand):
    help = "Re-render failed (and, with --pending, stuck pending) documents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pending", action="store_true", help="also pending documents")

    def handle(self, *args: Any, pending: bool, **options: Any) -> None:
        statuses = [Document.Status.FAILED] + ([Document.Status.PENDING] if pending else [])
        results = [
            document_issue(pk).status
            for pk in Document.objects.filter(status__in=statuses).values_list("pk", flat=True)
        ]
        self.stdout.write(
            f"documents_retry: {results.count('issued')} issued, {results.count('failed')} failed"
        )
