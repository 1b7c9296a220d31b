from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write the database and every stored file, with a manifest of SHA-256s, to a .tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the .tar.gz to write (replaced if present)")

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            result = create_backup(archive)
        except BackupError as e:
            raise CommandError(f"backup: {e}") from e
        m = result.manifest
        self.stdout.write(
            f"backup: wrote {result.path} ({result.size} bytes): database.json "
            f"({m.database_vendor}), {len(m.files)} files, {m.documents} documents"
        )
