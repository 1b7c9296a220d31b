from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, restore_backup, verify_archive


class Command(BaseCommand):
    help = (
        "Restore a `manage.py backup` archive into an empty database (--force: replace "
        "everything); every file is checked against the manifest first, every document "
        "against its SHA-256 last."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the .tar.gz written by `manage.py backup`")
        parser.add_argument(
            "--force", action="store_true", help="flush a database that already holds cases"
        )
        parser.add_argument(
            "--verify-only", action="store_true", help="check the archive alone; change nothing"
        )

    def handle(
        self, *args: Any, archive: Path, force: bool, verify_only: bool, **options: Any
    ) -> None:
        try:
            if verify_only:
                m = verify_archive(archive)
                self.stdout.write(
                    f"restore: {archive} is intact: database.json and {len(m.files)} files "
                    f"match the manifest ({m.documents} documents, made {m.created_at})"
                )
                return
            result = restore_backup(archive, force=force)
        except BackupError as e:
            raise CommandError(f"restore: {e}") from e
        m = result.manifest
        self.stdout.write(
            f"restore: loaded {archive} (made {m.created_at} on {m.database_vendor}), "
            f"{result.files_written} files written; {result.documents_checked} documents "
            "match their SHA-256"
        )
