"""The county's own records (SPEC §15): the mediator register (人民调解员名册) with training
records, the per-county training minimum, the 以案定补 tariff and the quarterly claims with
their lines and audited events. Only workflows.services.mediators / subsidies change them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cases import choices, identity
from cases.models import Case, Organization, Region
from cases.validators import validate_phone
from core.storage import private_storage

DEFAULT_MIN_TRAINING_HOURS = Decimal("24")
CENT = Decimal("0.01")


class MediatorKind(models.TextChoices):
    FULL_TIME = "full_time", "专职"
    PART_TIME = "part_time", "兼职"


GRADES = [(1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")]


class MediatorRecord(models.Model):
    """One mediator of the register. The ID number is stored as parties' are (cases.Party):
    checked by its type (cases/identity.py), shown masked except to the committee and admins."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=8, choices=choices.Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        "出生年份", null=True, blank=True, validators=[MinValueValidator(1900)]
    )
    id_type = models.CharField(
        "证件类型", max_length=20, choices=choices.IdType.choices, default="resident_id"
    )
    id_number = models.CharField("证件号码", max_length=20, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    organizations = models.ManyToManyField(
        Organization, related_name="mediator_records", verbose_name="所在调委会"
    )
    kind = models.CharField("类别", max_length=12, choices=MediatorKind.choices)
    grade = models.PositiveSmallIntegerField(
        "等级", choices=GRADES, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    appointed_on = models.DateField("聘任日期")
    term_ends_on = models.DateField("任期届满日期")
    filed = models.BooleanField("已向县司法局备案", default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_record",
        verbose_name="系统账号",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "人民调解员名册"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            self.id_number = identity.check(self.id_type, self.id_number, country="CHN")
        except ValidationError as exc:
            errors["id_number"] = [exc]
        if self.appointed_on and self.term_ends_on and self.term_ends_on <= self.appointed_on:
            errors["term_ends_on"] = [ValidationError("任期届满日期须晚于聘任日期。")]
        if errors:
            raise ValidationError(errors)


class Training(models.Model):
    mediator = models.ForeignKey(
        MediatorRecord, on_delete=models.CASCADE, related_name="trainings", verbose_name="调解员"
    )
    held_on = models.DateField("培训日期")
    topic = models.CharField("培训内容", max_length=200)
    hours = models.DecimalField(
        "学时", max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    organiser = models.CharField("组织单位", max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训记录"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class TrainingRequirement(models.Model):
    """The county's yearly minimum of training hours (absent: DEFAULT_MIN_TRAINING_HOURS)."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="+", verbose_name="县/区"
    )
    min_hours = models.DecimalField("年度最低学时", max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = verbose_name_plural = "年度培训学时要求"

    def __str__(self) -> str:
        return f"{self.region} {self.min_hours}"


class Difficulty(models.TextChoices):
    ORDINARY = "ordinary", "一般"
    MAJOR = "major", "较大"
    COMPLEX = "complex", "疑难复杂"
    GRAVE = "grave", "重大"


class Tariff(models.Model):
    """以案定补 amounts of a county from `valid_from` on (the latest one not after a quarter's
    start applies to its claim)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="县/区"
    )
    valid_from = models.DateField("起用日期")
    ordinary = models.DecimalField("一般（元）", max_digits=8, decimal_places=2)
    major = models.DecimalField("较大（元）", max_digits=8, decimal_places=2)
    complex = models.DecimalField("疑难复杂（元）", max_digits=8, decimal_places=2)
    grave = models.DecimalField("重大（元）", max_digits=8, decimal_places=2)
    oral_share = models.DecimalField(
        "口头协议比例", max_digits=4, decimal_places=2, default=Decimal("0.50")
    )
    terminated_share = models.DecimalField(
        "依法终止比例", max_digits=4, decimal_places=2, default=Decimal("0.30")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "以案定补标准"
        ordering = ["region", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "valid_from"], name="tariff_unique_from")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.valid_from}"

    def amount_for(self, difficulty: str) -> Decimal:
        value: Decimal = getattr(self, Difficulty(difficulty).value)
        return value


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇已初审"
    COUNTY_APPROVED = "county_approved", "县级已复核"
    PUBLISHED = "published", "公示中"
    FINAL = "final", "已定稿"


class FinalClaim(Exception):
    """A final claim, its lines and shares never change (SPEC §15)."""


class Claim(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="调委会"
    )
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField(
        "季度", validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, verbose_name="补贴标准")
    status = models.CharField(
        "状态", max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    total = models.DecimalField("合计（元）", max_digits=12, decimal_places=2, default=CENT * 0)
    published_at = models.DateTimeField("公示开始", null=True, blank=True)
    # Archived cases of the quarter that do not count, each with why: [{case, number, gaps}]
    excluded = models.JSONField("未计入的案件", default=list)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "以案定补申报"
        ordering = ["-year", "-quarter", "organization"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "quarter"], name="claim_unique_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Claim.objects.filter(pk=self.pk, status=ClaimStatus.FINAL).exists():
            raise FinalClaim("已定稿的申报不能修改。")
        super().save(*args, **kwargs)

    @property
    def period(self) -> str:
        return f"{self.year}-Q{self.quarter}"


class ClaimLine(models.Model):
    class Basis(models.TextChoices):
        WRITTEN = "written", "书面协议"
        ORAL = "oral", "口头协议"
        TERMINATED = "terminated", "依法终止"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField("计补依据", max_length=12, choices=Basis.choices)
    proposed_difficulty = models.CharField(
        "系统建议类别", max_length=12, choices=Difficulty.choices
    )
    proposal_reasons = models.JSONField("建议理由", default=list)
    difficulty = models.CharField("核定类别", max_length=12, choices=Difficulty.choices)
    difficulty_reason = models.TextField("类别调整理由", blank=True)
    struck = models.BooleanField("已核减", default=False)
    struck_reason = models.TextField("核减理由", blank=True)
    flags = models.JSONField("提示", default=list)
    duplicate_of = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "申报明细"
        ordering = ["claim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "case"], name="claim_line_unique_case")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Claim.objects.filter(pk=self.claim_id, status=ClaimStatus.FINAL).exists():
            raise FinalClaim("已定稿的申报不能修改。")
        super().save(*args, **kwargs)


class LineShare(models.Model):
    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="shares")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField("份额", max_digits=5, decimal_places=4)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "mediator"], name="line_share_unique")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Claim.objects.filter(lines=self.line_id, status=ClaimStatus.FINAL).exists():
            raise FinalClaim("已定稿的申报不能修改。")
        super().save(*args, **kwargs)


class ClaimEvent(models.Model):
    """Every step of a claim: who, when, from, to, why (STYLE habit 3)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "申报记录"
        ordering = ["at", "id"]

    @property
    def label(self) -> str:
        """What happened, as the claim page's timeline says it."""
        return EVENT_LABELS.get(self.name, self.name)

    @property
    def from_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_status)


# ClaimEvent.name in words (workflows.services.subsidies writes them; the steps' own labels)
EVENT_LABELS = {
    "draft": "生成草稿",
    "redraft": "重新生成草稿",
    "shares": "设定分配比例",
    "submit": "提交申报",
    "review": "乡镇初审",
    "approve": "县级复核",
    "publish": "公示",
    "finalize": "定稿",
}


def _status_label(value: str) -> str:
    return str(ClaimStatus(value).label) if value in ClaimStatus.values else value


# --- file review rounds (卷宗评查) ------------------------------------------------------------
class Aspect(models.TextChoices):
    ACCEPTANCE = "acceptance", "受理合法"
    MATERIALS = "materials", "材料齐全"
    DOCUMENTS = "documents", "文书规范"
    EVIDENCE = "evidence", "证据充分"
    LAW = "law", "法律适用"
    FOLLOW_UP = "follow_up", "回访及时"
    FILING = "filing", "立卷归档"


# What the system pre-fills (the reviewer confirms it or changes it with a reason).
PREFILLED = (Aspect.MATERIALS, Aspect.DOCUMENTS, Aspect.FOLLOW_UP)
DEFAULT_MAXIMA = {
    Aspect.ACCEPTANCE: 10,
    Aspect.MATERIALS: 20,
    Aspect.DOCUMENTS: 15,
    Aspect.EVIDENCE: 15,
    Aspect.LAW: 15,
    Aspect.FOLLOW_UP: 15,
    Aspect.FILING: 10,
}


class ReviewSettings(models.Model):
    """The maxima of the seven aspects (total 100) and the grade thresholds; one row an admin
    edits (`current()`: the defaults while there is none)."""

    acceptance = models.PositiveSmallIntegerField("受理合法", default=10)
    materials = models.PositiveSmallIntegerField("材料齐全", default=20)
    documents = models.PositiveSmallIntegerField("文书规范", default=15)
    evidence = models.PositiveSmallIntegerField("证据充分", default=15)
    law = models.PositiveSmallIntegerField("法律适用", default=15)
    follow_up = models.PositiveSmallIntegerField("回访及时", default=15)
    filing = models.PositiveSmallIntegerField("立卷归档", default=10)
    excellent_from = models.PositiveSmallIntegerField("优秀（分及以上）", default=90)
    pass_from = models.PositiveSmallIntegerField("合格（分及以上）", default=60)
    answer_days = models.PositiveSmallIntegerField(
        "整改答复期限（下发后，天）", default=30, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = verbose_name_plural = "卷宗评查标准"

    def __str__(self) -> str:
        return "卷宗评查标准"

    def clean(self) -> None:
        if sum(self.maxima().values()) != 100:
            raise ValidationError("七个方面的满分合计须为100分。")
        if not self.pass_from < self.excellent_from <= 100:
            raise ValidationError("合格线须低于优秀线，优秀线不超过100分。")

    @classmethod
    def current(cls) -> ReviewSettings:
        return cls.objects.order_by("id").first() or cls()

    def maxima(self) -> dict[str, int]:
        return {a: int(getattr(self, a)) for a in Aspect.values}


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    PASSED = "passed", "合格"
    FAILED = "failed", "不合格"


class ReviewRound(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField("归档自")
    period_to = models.DateField("归档至")
    confirmed_pct = models.DecimalField("经司法确认案件抽取比例（%）", max_digits=5,
                                        decimal_places=2, default=Decimal("10"))  # fmt: skip
    other_pct = models.DecimalField("其他案件抽取比例（%）", max_digits=5, decimal_places=2,
                                    default=Decimal("5"))  # fmt: skip
    min_per_committee = models.PositiveSmallIntegerField("每个调委会至少", default=1)
    seed = models.CharField("随机种子", max_length=64)
    maxima = models.JSONField("各方面满分", default=dict)
    thresholds = models.JSONField("等级线", default=dict)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "卷宗评查"
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region} {self.period_from}—{self.period_to}"


class ReviewItem(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    confirmed = models.BooleanField("经司法确认", default=False)
    prefill = models.JSONField("系统预填", default=dict)  # aspect → (score, why)
    scores = models.JSONField("评分", default=dict)
    reasons = models.JSONField("调整理由", default=dict)
    total = models.PositiveSmallIntegerField("总分", null=True, blank=True)
    grade = models.CharField("等级", max_length=12, choices=Grade.choices, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评查案卷"
        ordering = ["round", "organization", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "case"], name="review_item_unique_case")
        ]


class NoticeCounter(models.Model):
    """Last 整改通知 number an issuing county used in a year; locked row → gap-free numbers
    (core.upsert.increment, as cases.CaseCounter for case numbers)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="notice_counter_unique")
        ]


class ReviewNotice(models.Model):
    """The 整改通知 of a round to one committee: every deduction, and the committee's answer.
    Issued as an official numbered PDF (RVW, 卷宗评查整改通知书) by the county of the round:
    ``（2026）青山县评查整改字第0001号``, gap-free per issuing county and year. It has no case,
    so it is not a documents.Document; its PDF is rendered after commit by
    workflows.services.reviews.notice_render (empty `file` until then, `error` if it failed)."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="notices")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    deductions = models.JSONField("扣分项", default=list)
    issued_at = models.DateTimeField()
    issuer = models.ForeignKey(
        Region, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="下发单位"
    )
    year = models.PositiveSmallIntegerField("年度", null=True)
    seq = models.PositiveIntegerField("序号", null=True)
    number = models.CharField("通知编号", max_length=64, blank=True)
    answer_by = models.DateField("整改答复期限", null=True, blank=True)
    file = models.FileField("文件", upload_to="notices/%Y/", storage=private_storage, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.TextField("生成错误", blank=True)
    answer = models.TextField("整改情况", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评查整改通知"
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="review_notice_unique"),
            models.UniqueConstraint(
                fields=["issuer", "year", "seq"], name="review_notice_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"整改通知 {self.pk}"
