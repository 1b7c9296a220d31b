"""The parties' side (SPEC §14): the SMS sent to them, the verification codes, the party
sessions of the API. Codes and tokens are stored as SHA-256 only: the database never holds
what a party types."""

from __future__ import annotations

from django.db import models


class SmsMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    phone = models.CharField("手机号码", max_length=20)
    template = models.CharField("短信模板", max_length=32)
    params = models.JSONField("模板参数", default=dict)
    text = models.TextField("短信内容")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    backend = models.CharField("发送方式", max_length=16, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    provider_id = models.CharField("服务商回执", max_length=100, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_template_display()} → {self.phone[-4:]}"

    def get_template_display(self) -> str:
        labels = {
            "verification": "验证码",
            "application_registered": "网上申请结果（已登记）",
            "application_declined": "网上申请结果（不予受理）",
            "sign_invitation": "签署邀请",
            "intake_notice": "受理通知",
            "session_notice": "调解时间地点",
            "follow_up": "回访",
        }
        return labels.get(self.template, self.template)


class SmsCode(models.Model):
    """One 6-digit code asked for a phone. A row is written for every accepted request, sent or
    not (a follow request for a phone not on the case), so the per-phone limits and the answer
    are the same either way and nothing can be probed."""

    class Purpose(models.TextChoices):
        APPLY = "apply", "网上申请"
        FOLLOW = "follow", "查询进度"
        SIGN = "sign", "签署协议"

    phone = models.CharField(max_length=20, db_index=True)
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    sent = models.BooleanField(default=False)
    tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class PartyToken(models.Model):
    """A party session of the API (`Authorization: Party <token>`): one case, 30 minutes."""

    key_hash = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)


class Application(models.Model):
    """An online application (网上申请, SPEC §14): not a case until a clerk of the committee it
    was routed to registers it (the case then starts with these data) or declines it with a
    reason. The parties are kept as the registration's party fields (`applicant`, `respondent`:
    role, name, id_type, id_number, phone, address …), checked like every party on submit."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        REGISTERED = "registered", "已登记"
        DECLINED = "declined", "不予受理"

    reference = models.CharField("申请编号", max_length=16, unique=True)
    phone = models.CharField("申请人手机（已验证）", max_length=20, db_index=True)
    applicant = models.JSONField("申请人", default=dict)
    respondent = models.JSONField("被申请人", default=dict)
    region = models.ForeignKey(
        "cases.Region", verbose_name="纠纷发生地", on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "cases.Organization", verbose_name="调委会", on_delete=models.PROTECT, related_name="+"
    )
    dispute_type = models.ForeignKey(
        "cases.DisputeType", verbose_name="纠纷类型", on_delete=models.PROTECT, related_name="+"
    )
    facts = models.TextField("纠纷经过")
    requests = models.TextField("申请事项")
    rights_acknowledged = models.BooleanField("已阅读权利义务告知", default=False)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    case = models.OneToOneField(
        "cases.Case",
        verbose_name="登记的案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="online_application",
    )
    decline_reason = models.TextField("不予受理理由", blank=True)
    handled_by = models.ForeignKey(
        "auth.User",
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("办理时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    intake_due = models.DateField("受理期限")
    ip = models.CharField("提交地址", max_length=45, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "网上申请"
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"网上申请 {self.reference}"
