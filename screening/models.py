"""排查 (SPEC §13): leads (矛盾纠纷排查登记 / 线索), their people, photos and events; sweeps (排查活动)
and their reports. Data only: every change goes through workflows.services (lead_report,
lead_transition, lead_photo_add, sweep_open, sweep_report), who sees what is screening/scope.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases import choices
from cases.models import Case, DisputeType, Organization, Region
from cases.validators import validate_phone
from core.storage import private_storage

if TYPE_CHECKING:
    from cases.scope import Viewer


class Channel(models.TextChoices):
    """How the lead came in (SPEC §17 `channel`)."""

    GRID = "grid", "网格员上报"
    MEDIATOR = "mediator", "调解员发现"
    POLICE_110 = "police_110", "110警情移交"
    HOTLINE_12345 = "hotline_12345", "12345热线转办"
    PETITION = "petition", "信访转办"
    COURT = "court", "法院委派（诉前）"
    SWEEP = "sweep", "集中排查"
    OTHER = "other", "其他"


# Channels whose sender expects an answer (SPEC §13, the 反馈函).
SENDER_CHANNELS = {Channel.POLICE_110, Channel.HOTLINE_12345, Channel.PETITION, Channel.COURT}


class LeadStatus(models.TextChoices):
    REPORTED = "reported", "待研判"
    CONVERTED = "converted", "已转案件"
    RESOLVED = "resolved", "已就地化解"
    REFERRED = "referred", "已移交"
    WATCHING = "watching", "跟踪关注"
    CLOSED = "closed", "已核实无纠纷"


OPEN_LEAD_STATUSES = (LeadStatus.REPORTED, LeadStatus.WATCHING)


class Receiver(models.TextChoices):
    """The receiving body of a referral (移交)."""

    POLICE = "police", "派出所"
    PETITION = "petition", "信访部门"
    COURT = "court", "人民法院"
    LABOUR = "labour_arbitration", "劳动人事争议仲裁"
    HOUSING = "housing", "住建部门"
    MARKET = "market_regulation", "市场监管部门"
    OTHER = "other", "其他"


class LeadQuerySet(models.QuerySet["Lead"]):
    def visible_to(self, user: Viewer) -> LeadQuerySet:
        """The one rule (screening/scope.py): every lead list, count and detail uses it."""
        from screening.scope import lead_scope_q

        return self.filter(lead_scope_q(user))


class Lead(models.Model):
    S = LeadStatus

    number = models.CharField("编号", max_length=64, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="leads", verbose_name="调委会"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="发现地")
    # Copy of region.path: the scope and the sweep's progress are indexed prefix reads.
    region_path = models.CharField(max_length=255, editable=False)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    sender = models.CharField("移送单位", max_length=100, blank=True)
    sender_reference = models.CharField("移送单位文号", max_length=100, blank=True)
    found_on = models.DateField("发现日期")
    place = models.CharField("地点", max_length=200, blank=True)
    dispute_type = models.ForeignKey(
        DisputeType, null=True, blank=True, on_delete=models.PROTECT, verbose_name="纠纷类型"
    )
    description = models.TextField("情况描述")
    people_involved = models.PositiveIntegerField("涉及人数", default=0)
    risk_factors = models.JSONField("风险因素", default=list, blank=True)
    risk_score = models.PositiveSmallIntegerField("风险分值", default=0)
    risk_level = models.CharField(
        "风险等级", max_length=8, choices=choices.RiskLevel.choices, default="low", db_index=True
    )
    risk_reasons = models.JSONField("风险说明", default=list, blank=True)
    sweep = models.ForeignKey(
        "Sweep",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name="排查活动",
    )

    status = models.CharField(
        "状态", max_length=16, choices=LeadStatus.choices, default="reported", db_index=True
    )
    # Bumped by every service write: a form or API call made on a stale copy is refused.
    version = models.PositiveIntegerField(default=0, editable=False)
    triage_due = models.DateField("研判期限", null=True, blank=True, db_index=True)
    next_check_on = models.DateField("下次核查日期", null=True, blank=True, db_index=True)
    triaged_at = models.DateTimeField("研判时间", null=True, blank=True)
    case = models.OneToOneField(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead",
        verbose_name="转立案件",
    )
    repeat_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="重复线索",
    )
    repeat_case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="重复案件",
    )
    referral_receiver = models.CharField(
        "移交单位", max_length=24, choices=Receiver.choices, blank=True
    )
    referral_reason = models.TextField("移交理由", blank=True)
    feedback_due = models.DateField("反馈期限", null=True, blank=True)
    # The 反馈函 (FBK) to a referring sender (SENDER_CHANNELS): when it was issued.
    feedback_sent_at = models.DateTimeField("反馈函发出时间", null=True, blank=True)
    outcome_note = models.TextField("处理情况", blank=True)

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上报人"
    )
    reported_at = models.DateTimeField("上报时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查线索"
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "seq"], name="lead_number_unique_per_org_year"
            )
        ]
        indexes = [
            models.Index(
                fields=["region_path", "reported_at"],
                name="lead_region_reported_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["organization", "status"], name="lead_org_status_idx"),
            models.Index(fields=["place"], name="lead_place_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def expects_feedback(self) -> bool:
        return self.channel in SENDER_CHANNELS

    @property
    def is_repeat(self) -> bool:
        return bool(self.repeat_of_id or self.repeat_case_id)


class LeadPerson(models.Model):
    """Someone the lead is about (name, role, phone optional). Phones are stored as the parties'
    are (cases.Party: plain, validated); who sees them is screening/scope.py."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="people")
    name = models.CharField("姓名", max_length=100)
    role = models.CharField(
        "身份", max_length=16, choices=choices.PartyRole.choices, blank=True, default=""
    )
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])

    class Meta:
        verbose_name = verbose_name_plural = "线索涉及人员"
        ordering = ["lead", "id"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return self.name


def photo_path(instance: LeadPhoto, filename: str) -> str:
    """leads/<lead id>/<sha256>.<ext> in the private storage: never the phone's file name."""
    ext = ".png" if instance.content_type == "image/png" else ".jpg"
    return f"leads/{instance.lead_id}/{instance.sha256}{ext}"


class LeadPhoto(models.Model):
    MAX_PER_LEAD = 5

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to=photo_path, storage=private_storage)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    kept_location = models.BooleanField("保留位置信息", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "线索照片"
        ordering = ["lead", "id"]

    def __str__(self) -> str:
        return f"{self.lead_id}/{self.sha256[:12]}"


class LeadEvent(models.Model):
    """One row per report, transition or system change of a lead (actor, time, from, to), written
    in the change's transaction; append-only as the case log is."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="操作人",
    )
    name = models.CharField("事项", max_length=32, db_index=True)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("内容", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "线索日志"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lead", "at"])]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.name} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("线索日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("线索日志只能追加，不能删除。")


class Sweep(models.Model):
    """A 排查活动 over a region subtree and a period: every committee and grid in it reports its
    leads or a zero report (零报告)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="排查区域")
    name = models.CharField("名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    focus = models.TextField("排查重点", blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发起人"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    reminded_on = models.DateField("已提醒日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "排查活动"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="sweep_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SweepReport(models.Model):
    """A unit's report for a sweep: `zero` — 本期未排查出矛盾纠纷 — or that its leads are in."""

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="reports")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="报告单位所在区域")
    zero = models.BooleanField("零报告", default=False)
    note = models.TextField("说明", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="报告人"
    )
    at = models.DateTimeField("报告时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "排查报告"
        ordering = ["sweep", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["sweep", "region"], name="sweep_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.sweep} · {self.region}"


# --- the roll-up of the 排查 table (SPEC §13, §16; screening/rollup.py keeps it) -------------
LEAD_COUNTS = (
    "leads",
    "leads_major",
    "handled",
    "handled_success",
    "referred",
    "prevented_criminal",
    "prevented_group_petition",
    "prevented_group_fight",
)


class LeadRollup(models.Model):
    """The leads of one leaf region × month of 发现日期 × dispute type × sweep, counted by the
    columns of the 排查 table (supervision.screening_stats). Kept exact in the transaction of
    each lead or case change (screening.rollup); `manage.py stats_rebuild` recomputes it."""

    region_path = models.CharField(max_length=255)
    region_pk = models.IntegerField()  # cases.Region pk of that path (the sweep report's unit)
    month = models.DateField()  # the first day of the month of found_on
    dispute_type = models.IntegerField()  # cases.DisputeType pk, 0: none (未分类)
    sweep = models.IntegerField()  # Sweep pk, 0: none
    leads = models.BigIntegerField(default=0)
    leads_major = models.BigIntegerField(default=0)
    handled = models.BigIntegerField(default=0)
    handled_success = models.BigIntegerField(default=0)
    referred = models.BigIntegerField(default=0)
    prevented_criminal = models.BigIntegerField(default=0)
    prevented_group_petition = models.BigIntegerField(default=0)
    prevented_group_fight = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "排查统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["region_path", "region_pk", "month", "dispute_type", "sweep"],
                name="lead_rollup_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["region_path", "month"],
                name="lead_rollup_region_month_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            )
        ]


class LeadRollupCase(models.Model):
    """What a converted lead's case adds to its figures, as LeadRollup counts it now (only for
    leads with a case): a case change takes the old figures from here, not from the case."""

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, primary_key=True, related_name="+")
    agreed = models.BooleanField(default=False)  # outcome in AGREEMENT_OUTCOMES
    violence = models.BooleanField(default=False)  # the case records violence_threat
    petition = models.BooleanField(default=False)  # the case records petition_history

    class Meta:
        verbose_name = verbose_name_plural = "排查统计汇总（所转案件）"
