"""The case and everything recorded about it (SPEC §1–§3).

Nothing here changes a case's status: the transitions are declared on `Case` (django-fsm-2) but
only `workflows.services` calls them, after checking scope, role and guards.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases import choices, identity
from cases.validators import certificate_problem, validate_phone
from core import crypto
from core.cached import forget
from core.storage import private_storage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from cases.scope import Viewer


class Region(models.Model):
    """A node of the region tree. `path` is a materialized path ("/1/4/17/") so a subtree is one
    indexed prefix query, never recursion."""

    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=choices.RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, editable=False, default="")
    full_name = models.CharField("全称", max_length=255, editable=False, default="")

    class Meta:
        verbose_name = verbose_name_plural = "行政区域"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="region_path_idx", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The path is structure, not business: it must hold whoever creates the row (admin too).
        if self.pk and self.path:
            old_parent = Region.objects.filter(pk=self.pk).values_list("parent_id", flat=True)[0]
            if old_parent != self.parent_id:
                raise ValidationError("区域创建后不能更换上级（会使统计口径失效）。")
        super().save(*args, **kwargs)
        if not self.path:
            prefix = self.parent.path if self.parent else "/"
            full = f"{self.parent.full_name}{self.name}" if self.parent else self.name
            Region.objects.filter(pk=self.pk).update(path=f"{prefix}{self.pk}/", full_name=full)
            self.path, self.full_name = f"{prefix}{self.pk}/", full

    def subtree(self) -> models.QuerySet[Region]:
        return Region.objects.filter(path__startswith=self.path)


def certificate_path(instance: Organization, filename: str) -> str:
    """certificates/organization-<id>.p12 in the private storage: the committee, not the name
    the file had on someone's desktop."""
    return f"certificates/organization-{instance.pk or 'new'}.p12"


class Organization(models.Model):
    """A people's mediation committee (人民调解委员会)."""

    name = models.CharField("名称", max_length=100, unique=True)
    short_code = models.CharField(
        "简称", max_length=16, unique=True, help_text="用于案号，例如“东村调委”"
    )
    seal_name = models.CharField("印章名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="所在区域", on_delete=models.PROTECT)
    # SPEC §13: where the parties apply for 司法确认 of this committee's agreements.
    basic_court = models.CharField(
        "基层人民法院", max_length=100, blank=True, help_text="例如“青山县人民法院”（司法确认）"
    )
    signing_certificate = models.FileField(
        "签章证书（PKCS#12）", upload_to=certificate_path, storage=private_storage, blank=True
    )
    # Encrypted (core/crypto.py, TIAOJIE_FIELD_KEY): a Fernet token, never the passphrase. Read
    # and written only through get_/set_signing_passphrase; no form shows it (editable=False:
    # the admin has its own write-only field, cases/admin.py).
    signing_passphrase = models.TextField("证书口令（加密保存）", blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "调委会"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_signing_passphrase(self) -> str:
        """The decrypted passphrase (crypto.DecryptionFailed when the key has changed)."""
        return crypto.decrypt(self.signing_passphrase)

    def set_signing_passphrase(self, passphrase: str) -> None:
        self.signing_passphrase = crypto.encrypt(passphrase)

    def clean(self) -> None:
        # A certificate that cannot sign is refused here, in the admin form, rather than
        # failing every document issued afterwards (see documents/signing.py).
        if not self.signing_certificate:
            return
        upload = self.signing_certificate
        if upload._committed:
            with upload.storage.open(upload.name, "rb") as handle:
                data = handle.read()
        else:  # a new upload: leave it readable for the save that follows
            upload.file.seek(0)
            data = upload.file.read()
            upload.file.seek(0)
        try:
            passphrase = self.get_signing_passphrase()
        except crypto.DecryptionFailed as exc:
            raise ValidationError({"signing_certificate": str(exc)}) from None
        problem = certificate_problem(data, passphrase)
        if problem:
            raise ValidationError({"signing_certificate": problem})


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="用户",
    )
    role = models.CharField("角色", max_length=16, choices=choices.Role.choices)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name="调委会",
        related_name="memberships",
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, verbose_name="督导区域"
    )

    class Meta:
        verbose_name = verbose_name_plural = "任职"
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role="supervisor", region__isnull=False, organization__isnull=True)
                    | Q(role="grid_worker", region__isnull=False, organization__isnull=True)
                    | Q(role="admin", organization__isnull=True)
                    | (
                        Q(role__in=["clerk", "mediator", "director"])
                        & Q(organization__isnull=False, region__isnull=True)
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organization", "region"],
                name="membership_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        where = self.organization or self.region or "全部"
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.role == choices.Role.SUPERVISOR and (not self.region or self.organization):
            raise ValidationError("督导员的任职须指定区域，不能指定调委会。")
        if self.role == choices.Role.GRID_WORKER and (not self.region or self.organization):
            raise ValidationError("网格员的任职须指定网格或村（区域），不能指定调委会。")
        if self.role in choices.ORG_ROLES and (not self.organization or self.region):
            raise ValidationError("登记员、调解员和主任的任职须指定调委会。")


class DisputeTaxonomy(models.Model):
    """A version of the official dispute-type list; statistics group by `DisputeType.code`, so
    a new version keeps old figures comparable."""

    version = models.PositiveIntegerField("版本", unique=True)
    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("启用日期")
    is_current = models.BooleanField("当前版本", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "纠纷类型目录"
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_taxonomy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class DisputeType(models.Model):
    taxonomy = models.ForeignKey(
        DisputeTaxonomy, on_delete=models.PROTECT, related_name="types", verbose_name="目录版本"
    )
    code = models.SlugField("代码", max_length=32)
    name = models.CharField("名称", max_length=32)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "纠纷类型"
        ordering = ["taxonomy__version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="dispute_type_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Viewer) -> CaseQuerySet:
        """The one scope rule (SPEC §1): every list, count, export and detail goes through it."""
        from cases.scope import case_scope_q

        return self.filter(case_scope_q(user))


# The party code's alphabet (查询码, SPEC §14): no 0/O/1/I, which a party reads wrongly off paper.
PARTY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PARTY_CODE_LENGTH = 8


def new_party_code() -> str:
    """A fresh party code: 40 random bits from `secrets`, not yet used by any case."""
    while True:
        code = "".join(secrets.choice(PARTY_CODE_ALPHABET) for _ in range(PARTY_CODE_LENGTH))
        if not Case.objects.filter(party_code=code).exists():
            return code


class Case(ConcurrentTransitionMixin, models.Model):
    S = choices.Status

    number = models.CharField("案号", max_length=64, unique=True)
    # What a party types (with the phone and an SMS code) to follow the case (SPEC §14).
    party_code = models.CharField(
        "查询码", max_length=PARTY_CODE_LENGTH, unique=True, default=new_party_code, editable=False
    )
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases", verbose_name="调委会"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="纠纷发生地")
    # Copy of region.path: supervisors' subtree filters and statistics stay one indexed prefix.
    region_path = models.CharField(max_length=255, editable=False)
    dispute_type = models.ForeignKey(DisputeType, on_delete=models.PROTECT, verbose_name="纠纷类型")
    source = models.CharField("案件来源", max_length=24, choices=choices.Source.choices)
    summary = models.TextField("纠纷简要情况")
    requests = models.TextField("当事人请求", blank=True)
    amount_involved = models.DecimalField(
        "涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    occurred_on = models.DateField("纠纷发生日期", null=True, blank=True)
    application_kind = models.CharField(
        "申请方式",
        max_length=8,
        choices=choices.ApplicationKind.choices,
        default=choices.ApplicationKind.WRITTEN,
    )

    status = FSMField(
        "状态", default=S.NEW, choices=choices.Status.choices, protected=True, db_index=True
    )
    outcome = models.CharField(
        "结果", max_length=24, choices=choices.Outcome.choices, blank=True, db_index=True
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cases", verbose_name="调解员"
    )
    # Bumped by every service write: a form or API call made on a stale copy is refused.
    version = models.PositiveIntegerField(default=0, editable=False)

    deadline = models.DateField("阶段期限", null=True, blank=True, db_index=True)
    extended_days = models.PositiveIntegerField("已延长天数", default=0)

    risk_factors = models.JSONField("风险因素", default=list, blank=True)
    risk_score = models.PositiveSmallIntegerField("风险分值", default=0)
    risk_level = models.CharField(
        "风险等级", max_length=8, choices=choices.RiskLevel.choices, default="low", db_index=True
    )
    risk_reasons = models.JSONField("风险说明", default=list, blank=True)
    risk_reported_at = models.DateTimeField("已报告公安/综治中心", null=True, blank=True)

    registered_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    outcome_at = models.DateTimeField("结果时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    closing_reason = models.TextField("不予受理/终止原因", blank=True)
    withdrawn_by = models.CharField("撤回方", max_length=100, blank=True)
    summary_of_work = models.TextField("结案报告", blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="更新人"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "seq"], name="case_number_unique_per_org_year"
            )
        ]
        indexes = [
            models.Index(
                fields=["region_path", "registered_at"],
                name="case_region_reg_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["organization", "status"], name="case_org_status_idx"),
            # A committee's case list, newest first (Meta.ordering), is one index range read
            # however many cases other committees have (bench/bench_api.py).
            models.Index(
                fields=["organization", "-registered_at", "-id"], name="case_org_registered_idx"
            ),
            # A committee's open cases by deadline: the home cards 已超期 and 即将到期 (and the
            # list behind them) read an index range, not every open case (bench/bench_requests).
            models.Index(
                fields=["organization", "deadline"],
                condition=models.Q(status__in=[str(s) for s in choices.OPEN_STATUSES]),
                name="case_org_open_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # --- the state machine (SPEC §4); called only by workflows.services -------------------
    @transition(field=status, source=S.NEW, target=S.INTAKE)
    def register(self) -> None:
        pass

    @transition(field=status, source=S.INTAKE, target=S.INVESTIGATION)
    def accept(self) -> None:
        pass

    @transition(field=status, source=S.INTAKE, target=S.CLOSURE)
    def decline(self) -> None:
        pass

    @transition(field=status, source=S.INVESTIGATION, target=S.MEDIATION)
    def start_mediation(self) -> None:
        pass

    @transition(field=status, source=S.MEDIATION, target=S.CLOSURE)
    def record_agreement(self) -> None:
        pass

    @transition(field=status, source=S.MEDIATION, target=S.CLOSURE)
    def record_failure(self) -> None:
        pass

    @transition(field=status, source=[S.INTAKE, S.INVESTIGATION, S.MEDIATION], target=S.CLOSURE)
    def withdraw(self) -> None:
        pass

    @transition(field=status, source=[S.INVESTIGATION, S.MEDIATION], target=None)
    def extend_deadline(self) -> None:
        pass

    @transition(field=status, source=S.CLOSURE, target=S.FOLLOW_UP)
    def approve_closure_to_follow_up(self) -> None:
        pass

    @transition(field=status, source=S.CLOSURE, target=S.ARCHIVED)
    def approve_closure_to_archive(self) -> None:
        pass

    @transition(field=status, source=S.FOLLOW_UP, target=S.MEDIATION)
    def reopen(self) -> None:
        pass

    @transition(field=status, source=S.FOLLOW_UP, target=S.ARCHIVED)
    def archive(self) -> None:
        pass

    @property
    def current_agreement(self) -> Agreement | None:
        return self.agreements.filter(superseded_by__isnull=True).order_by("-id").first()


# Templates must never run a transition (STYLE habit 12).
for _method in (
    "register",
    "accept",
    "decline",
    "start_mediation",
    "record_agreement",
    "record_failure",
    "withdraw",
    "extend_deadline",
    "approve_closure_to_follow_up",
    "approve_closure_to_archive",
    "reopen",
    "archive",
):
    getattr(Case, _method).alters_data = True


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("身份", max_length=16, choices=choices.PartyRole.choices)
    kind = models.CharField(
        "类别", max_length=16, choices=choices.PartyKind.choices, default="person"
    )
    name = models.CharField("姓名/名称", max_length=100)
    gender = models.CharField("性别", max_length=8, choices=choices.Gender.choices, blank=True)
    ethnicity = models.CharField("民族", max_length=16, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    # The number is checked by its type (cases/identity.py) in `clean`; "" until then means
    # "as a client written before the types meant it" (identity.infer_type).
    id_type = models.CharField(
        "证件类型", max_length=20, choices=choices.IdType.choices, blank=True, default=""
    )
    id_number = models.CharField("证件号码", max_length=20, blank=True)
    id_country = models.CharField("签发国家（护照）", max_length=3, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField("住址", max_length=200, blank=True)
    occupation = models.CharField("职业或法定代表人", max_length=100, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "当事人"
        ordering = ["case", "role", "id"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["phone"]),
            # the repeat-dispute rule's match (workflows.risk: id_number__iexact): without it
            # each registration read every party — 138 ms at 200,000 cases
            models.Index(Upper("id_number"), name="party_id_number_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if not self.id_type:
            self.id_type = identity.infer_type(self.id_number)
        try:
            self.id_number = identity.check(self.id_type, self.id_number, country=self.id_country)
        except ValidationError as exc:
            errors[identity.field_of(exc)] = [exc]
        self.id_country = self.id_country.upper() if self.id_type == choices.IdType.PASSPORT else ""
        try:
            self.uscc = identity.check_uscc(self.uscc)
        except ValidationError as exc:
            errors["uscc"] = [exc]
        if errors:
            raise ValidationError(errors)

    @property
    def id_label(self) -> str:
        """What a document prints before the number: 身份证号, 护照号 …"""
        return identity.number_label(self.id_type)


class Record(models.Model):
    """Common to every record: immutable once its document is issued; a correction is a new row
    that `supersedes` the old one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="%(class)ss")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )

    class Meta:
        abstract = True
        ordering = ["id"]


class InvestigationRecord(Record):
    conducted_at = models.DateTimeField("调查时间")
    place = models.CharField("调查地点", max_length=200)
    interviewers = models.JSONField("调查人", default=list)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    interviewee = models.CharField("被调查人", max_length=100)
    content = models.TextField("调查内容")
    evidence = models.JSONField("证据材料", default=list, blank=True)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "调查记录"


class MediationSession(Record):
    held_at = models.DateTimeField("调解时间")
    place = models.CharField("调解地点", max_length=200)
    mediator_names = models.JSONField("调解员", default=list)
    attendees = models.TextField("参加人")
    content = models.TextField("调解情况（各方陈述）")
    facts_verified = models.TextField("查明事实", blank=True)
    result = models.TextField("调解结果", blank=True)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "调解记录"


class Agreement(Record):
    kind = models.CharField("协议形式", max_length=8, choices=choices.AgreementKind.choices)
    number = models.CharField("协议编号", max_length=64, unique=True)
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    facts = models.TextField("纠纷事实、争议事项及各方责任", blank=True)
    responsibilities = models.TextField("各方责任", blank=True)
    terms = models.JSONField("协议内容（条款）", default=list)
    performance_method = models.CharField("履行方式", max_length=200)
    performance_deadline = models.DateField("履行期限")
    amount = models.DecimalField(
        "协议金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    effective_on = models.DateField("生效日期")
    parties_signed = models.BooleanField("当事人已签名", default=False)
    mediator_signed = models.BooleanField("调解员已签名", default=False)
    seal_affixed = models.BooleanField("已加盖调委会印章", default=False)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "调解协议"

    @property
    def signatures_complete(self) -> bool:
        return self.parties_signed and self.mediator_signed and self.seal_affixed


class AgreementDraft(models.Model):
    """A written agreement prepared for signing (SPEC §14 签署协议): the terms the parties read
    as a PDF and sign, each on their phone or on paper (`Signature`). At most one open draft a
    case; a new one supersedes it and its signatures. `record_agreement` takes the open draft
    (status used, `agreement` the one it became)."""

    class Status(models.TextChoices):
        OPEN = "open", "待签署"
        USED = "used", "已采用"
        SUPERSEDED = "superseded", "已作废"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreement_drafts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="拟定人"
    )
    kind = models.CharField(
        "协议形式",
        max_length=8,
        choices=choices.AgreementKind.choices,
        default=choices.AgreementKind.WRITTEN,
    )
    facts = models.TextField("纠纷事实、争议事项", blank=True)
    responsibilities = models.TextField("各方责任", blank=True)
    terms = models.JSONField("协议内容（条款）", default=list)
    performance_method = models.CharField("履行方式", max_length=200, blank=True)
    performance_deadline = models.DateField("履行期限")
    amount = models.DecimalField(
        "协议金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField("拟定时间", auto_now_add=True)
    agreement = models.OneToOneField(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draft",
        verbose_name="形成的协议",
    )

    class Meta:
        verbose_name = verbose_name_plural = "协议草稿"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="one_open_draft_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} 协议草稿 {self.pk}"


class Signature(models.Model):
    """One party's signature of a draft: online (the handwritten PNG, its SHA-256, when, from
    which address and device, after an SMS code) or on paper (marked by the mediator, with a
    photo of the signed page). The files are in the private storage."""

    class Status(models.TextChoices):
        PENDING = "pending", "待签署"
        SIGNED = "signed", "已在线签署"
        PAPER = "paper", "纸质签名"

    draft = models.ForeignKey(AgreementDraft, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="signatures", verbose_name="当事人"
    )
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    signed_at = models.DateTimeField("签署时间", null=True, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("设备", max_length=300, blank=True)
    image = models.FileField(
        "签名图片", upload_to="signatures/%Y/", storage=private_storage, blank=True
    )
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="标记人",
    )
    photo = models.FileField(
        "纸质签名照片", upload_to="signatures/%Y/", storage=private_storage, blank=True
    )
    photo_sha256 = models.CharField("照片 SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "协议签名"
        ordering = ["draft", "party__role", "party_id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "party"], name="one_signature_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party.name} {self.get_status_display()}"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.SIGNED, self.Status.PAPER)


class FollowUpVisit(Record):
    visited_at = models.DateTimeField("回访时间")
    method = models.CharField("回访方式", max_length=8, choices=choices.FollowUpMethod.choices)
    visitor = models.CharField("回访人", max_length=50)
    visitee = models.CharField("被回访人", max_length=100)
    performance = models.CharField(
        "协议履行情况", max_length=24, choices=choices.Performance.choices
    )
    satisfaction = models.CharField("满意度", max_length=24, choices=choices.Satisfaction.choices)
    new_risks = models.TextField("新的风险苗头", blank=True)
    action_taken = models.TextField("采取的措施", blank=True)
    went_to_court = models.BooleanField("当事人是否已起诉", default=False)
    notes = models.TextField("备注", blank=True)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "回访记录"


class PartyRating(models.Model):
    """A party's own rating of the mediation after a follow-up visit (SPEC §14 评价), beside the
    visitor-recorded 满意度 of the visit: one per party of the case, given on the party's phone."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="ratings", verbose_name="当事人"
    )
    satisfaction = models.CharField("满意度", max_length=24, choices=choices.Satisfaction.choices)
    comment = models.TextField("意见", blank=True, max_length=500)
    created_at = models.DateTimeField("评价时间")
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "当事人评价"
        constraints = [
            models.UniqueConstraint(fields=["party"], name="party_rating_once"),
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.get_satisfaction_display()}"


class JudicialConfirmation(Record):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, verbose_name="调解协议")
    applied_on = models.DateField("申请日期")
    court = models.CharField("人民法院", max_length=100)
    result = models.CharField(
        "结果", max_length=16, choices=choices.ConfirmationResult.choices, default="pending"
    )
    result_on = models.DateField("结果日期", null=True, blank=True)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "司法确认"


class DeadlineExtension(Record):
    days = models.PositiveSmallIntegerField("延长天数")
    old_deadline = models.DateField("原期限")
    new_deadline = models.DateField("新期限")
    reason = models.TextField("理由", blank=True)
    consent = models.JSONField("当事人同意", default=list)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "期限延长"


class SupervisionNotice(Record):
    content = models.TextField("督办事项")
    reply_by = models.DateField("反馈期限", null=True, blank=True)
    authority = models.CharField("督办单位", max_length=100)

    class Meta(Record.Meta):
        verbose_name = verbose_name_plural = "督办通知"


class CaseCounter(models.Model):
    """Last number used per organization, year and kind; locked row → gap-free numbers."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "kind"], name="counter_unique")
        ]


DEADLINE_SETTINGS_KEY = "tiaojie:deadline-settings"
SETTINGS_TTL = 300  # seconds: a change made around the model (a queryset update) shows by then


class DeadlineSettings(models.Model):
    """SPEC §6 deadlines, one row an admin edits; `DeadlineSettings.current()` reads it."""

    intake_days = models.PositiveSmallIntegerField("受理决定期限（天）", default=3)
    mediation_days = models.PositiveSmallIntegerField("调解期限（受理后，天）", default=30)
    closure_days = models.PositiveSmallIntegerField("结案审批期限（天）", default=5)
    follow_up_after_performance_days = models.PositiveSmallIntegerField(
        "履行期限后首次回访（天）", default=15
    )
    follow_up_without_deadline_days = models.PositiveSmallIntegerField(
        "无履行期限时结案后回访（天）", default=30
    )
    judicial_window_days = models.PositiveSmallIntegerField("司法确认申请期限（天）", default=30)
    due_soon_days = models.PositiveSmallIntegerField("即将到期提醒（天）", default=3)
    max_extension_days = models.PositiveSmallIntegerField("单次延长上限（天）", default=30)

    class Meta:
        verbose_name = verbose_name_plural = "期限设置"

    def __str__(self) -> str:
        return "期限设置"

    # Forgotten before the write too: the roll-up's post_save receiver (rollups.apps) reads the
    # new settings through current() inside the save.
    def save(self, *args: Any, **kwargs: Any) -> None:
        forget(DEADLINE_SETTINGS_KEY, on_commit=False)
        super().save(*args, **kwargs)
        forget(DEADLINE_SETTINGS_KEY)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        forget(DEADLINE_SETTINGS_KEY, on_commit=False)
        deleted = super().delete(*args, **kwargs)
        forget(DEADLINE_SETTINGS_KEY)
        return deleted

    @classmethod
    def current(cls) -> DeadlineSettings:
        """The row, from the shared cache (read on most pages and every transition); a save or
        delete forgets it, now and again when its transaction commits. (A transaction that
        saves the row, reads it here and then rolls back leaves its value cached for at most
        SETTINGS_TTL.)"""
        found = cache.get_or_set(
            DEADLINE_SETTINGS_KEY, lambda: cls.objects.order_by("id").first() or cls(), SETTINGS_TTL
        )
        return cast(DeadlineSettings, found)  # never None: the callable's value is stored


class Profile(models.Model):
    """What the conflict-of-interest check (回避) compares with the parties."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    phone = models.CharField("电话", max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField("住址", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户资料"

    def __str__(self) -> str:
        return str(self.user)


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
