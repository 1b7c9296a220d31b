"""The append-only case event log and in-app notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from viewflow.workflow.models import Process

if TYPE_CHECKING:
    from cases.models import Case


class CaseEvent(models.Model):
    """One row per transition or audited action, written in the same transaction as the change.
    `data["changes"]` maps each tracked field to [old, new]; the "as of" view folds them."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", "状态变更"
        ACTION = "action", "操作"
        SYSTEM = "system", "系统"
        IMPORTED = "imported", "导入"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="操作人",
    )
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    name = models.CharField("事项", max_length=32, db_index=True)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    reason = models.TextField("理由", blank=True)
    data = models.JSONField("变更内容", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件日志"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.name} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only is an integrity rule, so it holds for every caller, the admin included.
        if self.pk is not None:
            raise ValueError("案件日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("案件日志只能追加，不能删除。")


class Notification(models.Model):
    class Kind(models.TextChoices):
        TASK_ASSIGNED = "task_assigned", "新任务"
        DUE_SOON = "due_soon", "即将到期"
        OVERDUE = "overdue", "已超期"
        HIGH_RISK = "high_risk", "高风险案件"
        SUPERVISION = "supervision", "督办"
        BULK_EXPORT = "bulk_export", "批量导出个人信息"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey("cases.Case", null=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message


class MediationProcess(Process):  # type: ignore[misc]  # viewflow has no type information
    """The viewflow process of one case (STACK.md: the Case's FSM owns the lifecycle, the flow
    owns who does what next). Created and advanced only by workflows.flows.sync, which the
    transition service calls inside its transaction."""

    case: models.OneToOneField[Case, Case] = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="process", verbose_name="案件"
    )

    class Meta:
        verbose_name = verbose_name_plural = "调解流程实例"
