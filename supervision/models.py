"""Supervision settings, and the personal-data access log. The figures themselves are not
stored: supervision/stats.py computes them from the cases on every request, so they cannot go
stale."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class RankingWeights(models.Model):
    """Weights of the ranking (考评) score, one row an admin edits (like DeadlineSettings)."""

    success = models.PositiveSmallIntegerField("调解成功率权重", default=40)
    timeliness = models.PositiveSmallIntegerField("按期办结率权重", default=20)
    follow_up = models.PositiveSmallIntegerField("回访率权重", default=20)
    satisfaction = models.PositiveSmallIntegerField("满意率权重", default=20)
    # 卷宗评查 (SPEC §15): 0 until the county weighs its review rounds in.
    review = models.PositiveSmallIntegerField("卷宗评查合格率权重", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "考评权重"

    def __str__(self) -> str:
        return "考评权重"

    def clean(self):
        if not (self.success + self.timeliness + self.follow_up + self.satisfaction + self.review):
            raise ValidationError("权重不能全部为零。")

    @classmethod
    def current(cls) -> RankingWeights:
        return cls.objects.order_by("id").first() or cls()

    def as_dict(self) -> dict[str, int]:
        return {
            "success": self.success,
            "timeliness": self.timeliness,
            "follow_up": self.follow_up,
            "satisfaction": self.satisfaction,
            "review": self.review,
        }


class AccessRecordQuerySet(models.QuerySet["AccessRecord"]):
    """Append-only also for bulk writes: no UPDATE or DELETE of access records, by anyone."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise ValueError("个人信息访问记录只能追加，不能修改。")

    def delete(self) -> NoReturn:
        raise ValueError("个人信息访问记录只能追加，不能删除。")


class AccessRecord(models.Model):
    """One read of unmasked personal data (SPEC §11 "Who read whom"): who, when, from where,
    what, which case — or, for an export, how many cases and the filter. Written only by
    supervision.access_log.record; never changed or deleted, also not in the admin."""

    class Kind(models.TextChoices):
        CASE_PAGE = "case_page", "案件页面"
        API_CASE = "api_case", "API案件详情"
        PDF_DOWNLOAD = "pdf_download", "文书下载"
        PHOTO = "photo", "证据照片"
        EXPORT = "export", "导出"
        IMPORT_UPLOAD = "import_upload", "导入上传"
        PARTY_PORTAL = "party_portal", "当事人端"  # reserved for the party portal (SPEC §14)

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="用户",
    )
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    kind = models.CharField("访问类别", max_length=16, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="案件",
    )
    cases_count = models.PositiveIntegerField("案件数", default=0)
    detail = models.CharField("说明", max_length=300, blank=True, default="")

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "个人信息访问记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only is an integrity rule, so it holds for every caller, the admin included.
        if self.pk is not None or not self._state.adding:
            raise ValueError("个人信息访问记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("个人信息访问记录只能追加，不能删除。")


class MembershipEventQuerySet(models.QuerySet["MembershipEvent"]):
    """Append-only also for bulk writes: no UPDATE or DELETE of membership events."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise ValueError("任职变更记录只能追加，不能修改。")

    def delete(self) -> NoReturn:
        raise ValueError("任职变更记录只能追加，不能删除。")


class MembershipEvent(models.Model):
    """One change of a membership (SPEC §12 "membership changes are audited events"): who
    (when known), whose membership, which role where, before and after, when, from where.
    Written only by supervision.membership_log.record (from the model's signals, so the admin,
    commands and the seed are all covered); never changed or deleted, also not in the admin.

    The people, committee and region are kept as ids and names, not foreign keys: the record
    outlives a deleted user or committee and never stands in the way of deleting one."""

    class Action(models.TextChoices):
        CREATED = "created", "新增任职"
        CHANGED = "changed", "变更任职"
        DELETED = "deleted", "删除任职"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("变更", max_length=8, choices=Action.choices)
    actor_ref = models.PositiveIntegerField("操作人ID", null=True, blank=True)
    actor_username = models.CharField("操作人", max_length=150, blank=True, default="")
    source = models.CharField("来源", max_length=16, default="system")
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    membership_ref = models.PositiveIntegerField("任职ID", null=True, blank=True)
    user_ref = models.PositiveIntegerField("用户ID", null=True, blank=True, db_index=True)
    username = models.CharField("用户", max_length=150, blank=True, default="")
    role = models.CharField("角色", max_length=16)
    organization_ref = models.PositiveIntegerField("调委会ID", null=True, blank=True)
    organization_name = models.CharField("调委会", max_length=100, blank=True, default="")
    region_ref = models.PositiveIntegerField("区域ID", null=True, blank=True)
    region_name = models.CharField("区域", max_length=255, blank=True, default="")
    # The region path of the committee (or of a supervisor's region): who may read the event
    # is a prefix query, as for cases. Empty for an admin membership (admins only).
    scope_path = models.CharField(max_length=255, blank=True, default="", db_index=True)
    before = models.JSONField("变更前", default=dict, blank=True)
    after = models.JSONField("变更后", default=dict, blank=True)

    objects = MembershipEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "任职变更记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.username} {self.role} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise ValueError("任职变更记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("任职变更记录只能追加，不能删除。")
