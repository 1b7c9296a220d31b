from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cases.choices import Role
from cases.models import Membership, Organization
from core.uploads import limit_for, size_text
from registers import importing
from supervision import access_log


class Command(BaseCommand):
    help = (
        "Import a register of past cases (.xlsx, or .csv in UTF-8/GB18030) into a committee: "
        "every row is checked; the file is imported whole or not at all (cases/importing.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organization", required=True, help="the committee's short code, e.g. 东村调委"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, import nothing"
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="the clerk or director recorded as registering the cases "
            "(default: the committee's director, else its first clerk)",
        )

    def handle(self, *args, file: Path, organization: str, dry_run: bool, username, **options):
        org = Organization.objects.filter(short_code=organization).first()
        if org is None:
            raise CommandError(f"没有简称为“{organization}”的调委会。")
        actor = self._actor(org, username)
        if not file.is_file():
            raise CommandError(f"找不到文件 {file}")
        limit = limit_for("import")
        if file.stat().st_size > limit:  # not read at all (settings.TIAOJIE_UPLOAD_MAX_BYTES)
            raise CommandError(f"{file.name}：文件超过 {size_text(limit)}，没有导入任何案件。")
        data = file.read_bytes()
        result = importing.import_cases(
            data, filename=file.name, organization=org, actor=actor, dry_run=dry_run
        )
        access_log.record(
            actor,
            kind=access_log.Kind.IMPORT_UPLOAD,
            cases_count=result.rows,
            detail=f"{org.short_code}：{file.name}（import_cases）",
        )
        for problem in result.file_errors:
            self.stderr.write(problem)
        for error in result.errors:
            self.stderr.write(str(error))
        if not result.ok:
            raise CommandError(
                f"{file.name}：{len(result.errors)} 行有误，{len(result.file_errors)} 个文件问题；"
                "没有导入任何案件。"
            )
        if dry_run:
            self.stdout.write(f"{file.name}：{result.rows} 行全部通过检查（未导入：--dry-run）。")
        else:
            self.stdout.write(f"{file.name}：已导入 {result.imported} 件案件到 {org.name}。")

    def _actor(self, org, username):
        User = get_user_model()
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"没有用户名为“{username}”的有效用户。")
            if not importing.may_import(actor, org):
                raise CommandError(f"{username} 不是{org.name}的登记员或主任。")
            return actor
        for role in (Role.DIRECTOR, Role.CLERK):
            membership = (
                Membership.objects.filter(organization=org, role=role, user__is_active=True)
                .select_related("user")
                .order_by("user__username")
                .first()
            )
            if membership:
                return membership.user
        raise CommandError(f"{org.name}没有登记员或主任账号：请用 --as 指定。")
