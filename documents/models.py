"""Issued documents (SPEC §5). A row is created `pending` in the transaction that made the
record; the render happens after commit; bytes once `issued` are never overwritten."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from core.storage import private_storage
from documents.labels import TITLES

# Dossier order (卷内目录): the order of the paper file.
ORDER = [
    "APP",
    "REG",
    "NOT",
    "DEC",
    "INV",
    "EXT",
    "MED",
    "AGR",
    "JCA",  # 司法确认申请书 and its bundle (SPEC §13), after the agreement they apply for
    "JCB",
    "ORA",
    "TRM",
    "CLS",
    "FUV",
    "SUP",
    "FBK",
]


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Document(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待生成"
        ISSUED = "issued", "已出具"
        FAILED = "failed", "生成失败"
        SUPERSEDED = "superseded", "已被更正"

    # A document belongs to a case, or — the 反馈函 (FBK) of a referred-in lead that ended
    # without a case (SPEC §13) — to a lead: exactly one of the two (document_case_or_lead).
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    lead = models.ForeignKey(
        "screening.Lead",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name="线索",
    )
    code = models.CharField("文书代码", max_length=3, choices=list(TITLES.items()))
    # Several INV/MED/FUV per case: `slot` tells which record a version chain belongs to.
    slot = models.CharField(max_length=40, default="")
    version = models.PositiveSmallIntegerField("版本", default=1)
    number = models.CharField("文书编号", max_length=100)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    context = models.JSONField("文书数据", default=dict)
    # Private storage (core/storage.py), served only by the scoped download views; named
    # documents/<year>/<id>-<code>.pdf by documents.services.file_name: no token in the name.
    file = models.FileField("文件", upload_to="documents/%Y/", storage=private_storage, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveSmallIntegerField(default=0)
    missing_glyphs = models.BooleanField("含缺字", default=False)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    error = models.TextField("错误", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField("出具时间", null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        verbose_name = verbose_name_plural = "文书"
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "code", "slot", "version"], name="document_version_unique"
            ),
            models.UniqueConstraint(
                fields=["lead", "code", "slot", "version"],
                condition=models.Q(lead__isnull=False),
                name="document_lead_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, lead__isnull=True)
                | models.Q(case__isnull=True, lead__isnull=False),
                name="document_case_or_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}（第{self.version}版）"

    @property
    def title(self) -> str:
        return TITLES[self.code]

    @property
    def is_superseded(self) -> bool:
        """What /verify/ (page and API) reports: marked superseded or replaced by a newer
        version."""
        return self.status == self.Status.SUPERSEDED or self.superseded_by_id is not None

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None and self.status != self.Status.SUPERSEDED


class EvidencePhoto(models.Model):
    """A photo kept with the case file (SPEC §3 证据材料; issue 14): evidence taken during an
    investigation, or the signed paper agreement. The bytes are what core.images made of the
    upload (upright, bounded, no location unless kept on purpose); `sha256` is theirs, so the
    dossier lists each photo by a hash anyone can check against the file."""

    class Kind(models.TextChoices):
        INVESTIGATION = "investigation", "调查证据照片"
        AGREEMENT = "agreement", "签字协议照片"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    investigation = models.ForeignKey(
        "cases.InvestigationRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
        verbose_name="调查记录",
    )
    file = models.FileField("照片", upload_to="photos/%Y/", storage=private_storage)
    thumbnail = models.FileField("缩略图", upload_to="photos/%Y/", storage=private_storage)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    location_kept = models.BooleanField("保留拍摄位置", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "证据照片"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]}"
