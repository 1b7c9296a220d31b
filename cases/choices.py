"""Enumerations: API values on the left (SPEC §9), Chinese labels for the UI on the right."""

from django.db import models


class Role(models.TextChoices):
    CLERK = "clerk", "登记员"
    MEDIATOR = "mediator", "人民调解员"
    DIRECTOR = "director", "调委会主任"
    SUPERVISOR = "supervisor", "督导员"
    ADMIN = "admin", "系统管理员"


ORG_ROLES = {Role.CLERK, Role.MEDIATOR, Role.DIRECTOR}


class RegionLevel(models.TextChoices):
    CITY = "city", "市"
    COUNTY = "county", "县/区"
    TOWNSHIP = "township", "乡镇/街道"
    VILLAGE = "village", "村/社区"
    GRID = "grid", "网格"


class Status(models.TextChoices):
    NEW = "new", "新建"
    INTAKE = "intake", "受理"
    INVESTIGATION = "investigation", "调查"
    MEDIATION = "mediation", "调解"
    CLOSURE = "closure", "结案"
    FOLLOW_UP = "follow_up", "回访"
    ARCHIVED = "archived", "归档"


OPEN_STATUSES = (
    Status.INTAKE,
    Status.INVESTIGATION,
    Status.MEDIATION,
    Status.CLOSURE,
    Status.FOLLOW_UP,
)


class Outcome(models.TextChoices):
    DECLINED = "declined", "不予受理"
    AGREEMENT_WRITTEN = "agreement_written", "达成书面协议"
    AGREEMENT_ORAL = "agreement_oral", "达成口头协议"
    FAILED = "failed", "调解不成"
    WITHDRAWN = "withdrawn", "撤回/终止"


AGREEMENT_OUTCOMES = (Outcome.AGREEMENT_WRITTEN, Outcome.AGREEMENT_ORAL)


class Source(models.TextChoices):
    APPLICATION = "application", "当事人申请"
    OWN_INITIATIVE = "own_initiative", "主动调解"
    POLICE_REFERRAL = "police_referral", "公安移送"
    COURT_REFERRAL = "court_referral", "法院委托"
    PETITION_REFERRAL = "petition_referral", "信访转办"
    GRID_REPORT = "grid_report", "网格员上报"
    OTHER = "other", "其他"


class ApplicationKind(models.TextChoices):
    WRITTEN = "written", "书面申请"
    ORAL = "oral", "口头申请"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    RESPONDENT = "respondent", "被申请人"
    THIRD_PARTY = "third_party", "第三人"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANIZATION = "organization", "法人或其他组织"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class AgreementKind(models.TextChoices):
    WRITTEN = "written", "书面协议"
    ORAL = "oral", "口头协议"


class FollowUpMethod(models.TextChoices):
    VISIT = "visit", "上门"
    PHONE = "phone", "电话"
    VIDEO = "video", "视频"


class Performance(models.TextChoices):
    PERFORMED = "performed", "已履行"
    PARTIALLY_PERFORMED = "partially_performed", "部分履行"
    NOT_PERFORMED = "not_performed", "未履行"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class RiskLevel(models.TextChoices):
    LOW = "low", "低"
    MEDIUM = "medium", "中"
    HIGH = "high", "高"
    CRITICAL = "critical", "重大"


class RiskFactor(models.TextChoices):
    """Factors a clerk or mediator records; `repeat_dispute` and `overdue` are detected."""

    GROUP_5 = "group_5", "涉及当事人5人以上（群体性）"
    GROUP_10 = "group_10", "涉及当事人10人以上"
    VIOLENCE_THREAT = "violence_threat", "有暴力威胁（民转刑风险）"
    SELF_HARM_THREAT = "self_harm_threat", "有自伤自残倾向"
    PETITION_HISTORY = "petition_history", "有信访史"
    VULNERABLE_PARTY = "vulnerable_party", "涉及老人、未成年人或残疾人"
    LARGE_AMOUNT = "large_amount", "涉及金额10万元以上"
    REPEAT_DISPUTE = "repeat_dispute", "12个月内同一当事人重复纠纷"
    OVERDUE = "overdue", "办理超期"


RECORDED_RISK_FACTORS = [
    f for f in RiskFactor.values if f not in {"repeat_dispute", "overdue", "large_amount"}
]


class ConfirmationResult(models.TextChoices):
    PENDING = "pending", "审查中"
    CONFIRMED = "confirmed", "确认有效"
    REJECTED = "rejected", "驳回申请"


# The default official list (SPEC §3), version 1.
DISPUTE_TYPES_V1 = [
    ("marriage_family", "婚姻家庭"),
    ("neighbour", "邻里"),
    ("housing_homestead", "房屋宅基地"),
    ("contract", "合同"),
    ("business", "生产经营"),
    ("damages", "损害赔偿"),
    ("forest_land", "山林土地"),
    ("land_contract", "土地承包"),
    ("expropriation", "征地拆迁"),
    ("environment", "环境污染"),
    ("labour", "劳动争议"),
    ("consumer", "消费"),
    ("medical", "医疗"),
    ("traffic", "道路交通事故"),
    ("property_management", "物业"),
    ("village_affairs", "村务管理"),
    ("other", "其他"),
]
