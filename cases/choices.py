"""Enumerations: API values on the left (SPEC §9), Chinese labels for the UI on the right."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("登记员")
    MEDIATOR = "mediator", _("人民调解员")
    DIRECTOR = "director", _("调委会主任")
    SUPERVISOR = "supervisor", _("督导员")
    ADMIN = "admin", _("系统管理员")
    # 网格员/信息员 (SPEC §13): a membership on a region (a grid or a village); reports leads,
    # sees no case. Not in ORG_ROLES: no committee's case applies to them.
    GRID_WORKER = "grid_worker", _("网格员")


ORG_ROLES = {Role.CLERK, Role.MEDIATOR, Role.DIRECTOR}


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县/区")
    TOWNSHIP = "township", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")
    GRID = "grid", _("网格")


class Status(models.TextChoices):
    NEW = "new", _("新建")
    INTAKE = "intake", _("受理")
    INVESTIGATION = "investigation", _("调查")
    MEDIATION = "mediation", _("调解")
    CLOSURE = "closure", _("结案")
    FOLLOW_UP = "follow_up", _("回访")
    ARCHIVED = "archived", _("归档")


OPEN_STATUSES = (
    Status.INTAKE,
    Status.INVESTIGATION,
    Status.MEDIATION,
    Status.CLOSURE,
    Status.FOLLOW_UP,
)


class Outcome(models.TextChoices):
    DECLINED = "declined", _("不予受理")
    AGREEMENT_WRITTEN = "agreement_written", _("达成书面协议")
    AGREEMENT_ORAL = "agreement_oral", _("达成口头协议")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("撤回/终止")


AGREEMENT_OUTCOMES = (Outcome.AGREEMENT_WRITTEN, Outcome.AGREEMENT_ORAL)


class Source(models.TextChoices):
    APPLICATION = "application", _("当事人申请")
    OWN_INITIATIVE = "own_initiative", _("主动调解")
    POLICE_REFERRAL = "police_referral", _("公安移送")
    COURT_REFERRAL = "court_referral", _("法院委托")
    PETITION_REFERRAL = "petition_referral", _("信访转办")
    GRID_REPORT = "grid_report", _("网格员上报")
    OTHER = "other", _("其他")


class ApplicationKind(models.TextChoices):
    WRITTEN = "written", _("书面申请")
    ORAL = "oral", _("口头申请")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    THIRD_PARTY = "third_party", _("第三人")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人或其他组织")


class IdType(models.TextChoices):
    """Identity documents a party may show (SPEC §11); the checks are cases/identity.py."""

    RESIDENT_ID = "resident_id", _("居民身份证")
    RESIDENT_ID_15 = "resident_id_15", _("一代身份证（15位）")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    PASSPORT = "passport", _("护照")
    NONE = "none", _("无/不详")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class AgreementKind(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class FollowUpMethod(models.TextChoices):
    VISIT = "visit", _("上门")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")


class Performance(models.TextChoices):
    PERFORMED = "performed", _("已履行")
    PARTIALLY_PERFORMED = "partially_performed", _("部分履行")
    NOT_PERFORMED = "not_performed", _("未履行")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    CRITICAL = "critical", _("重大")


class RiskFactor(models.TextChoices):
    """Factors a clerk or mediator records; `repeat_dispute` and `overdue` are detected."""

    GROUP_5 = "group_5", _("涉及当事人5人以上（群体性）")
    GROUP_10 = "group_10", _("涉及当事人10人以上")
    VIOLENCE_THREAT = "violence_threat", _("有暴力威胁（民转刑风险）")
    SELF_HARM_THREAT = "self_harm_threat", _("有自伤自残倾向")
    PETITION_HISTORY = "petition_history", _("有信访史")
    VULNERABLE_PARTY = "vulnerable_party", _("涉及老人、未成年人或残疾人")
    LARGE_AMOUNT = "large_amount", _("涉及金额10万元以上")
    REPEAT_DISPUTE = "repeat_dispute", _("12个月内同一当事人重复纠纷")
    OVERDUE = "overdue", _("办理超期")


RECORDED_RISK_FACTORS = [
    f for f in RiskFactor.values if f not in {"repeat_dispute", "overdue", "large_amount"}
]


class ConfirmationResult(models.TextChoices):
    PENDING = "pending", _("审查中")
    CONFIRMED = "confirmed", _("确认有效")
    REJECTED = "rejected", _("驳回申请")


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


# 民族 (GB/T 3304-1991, in its order), then 穿青人 etc. under 其他 and 外国血统中国籍人士.
# A party's `ethnicity` stays free text (old data stays valid); the forms and the API offer
# and accept these names, and `ethnicity_name` reads the short form people write ("汉" → "汉族").
ETHNIC_GROUPS = [
    *(
        f"{name}族"
        for name in [
            "汉",
            "蒙古",
            "回",
            "藏",
            "维吾尔",
            "苗",
            "彝",
            "壮",
            "布依",
            "朝鲜",
            "满",
            "侗",
            "瑶",
            "白",
            "土家",
            "哈尼",
            "哈萨克",
            "傣",
            "黎",
            "傈僳",
            "佤",
            "畲",
            "高山",
            "拉祜",
            "水",
            "东乡",
            "纳西",
            "景颇",
            "柯尔克孜",
            "土",
            "达斡尔",
            "仫佬",
            "羌",
            "布朗",
            "撒拉",
            "毛南",
            "仡佬",
            "锡伯",
            "阿昌",
            "普米",
            "塔吉克",
            "怒",
            "乌孜别克",
            "俄罗斯",
            "鄂温克",
            "德昂",
            "保安",
            "裕固",
            "京",
            "塔塔尔",
            "独龙",
            "鄂伦春",
            "赫哲",
            "门巴",
            "珞巴",
            "基诺",
        ]
    ),
    "其他",
    "外国血统中国籍人士",
]
ETHNICITY_CHOICES = [(name, name) for name in ETHNIC_GROUPS]


def ethnicity_name(value: str) -> str | None:
    """The listed name for what was typed ("汉族", "汉" → "汉族"), "" for nothing, None if unknown."""
    text = (value or "").strip()
    if not text:
        return ""
    if text in ETHNIC_GROUPS:
        return text
    if f"{text}族" in ETHNIC_GROUPS:
        return f"{text}族"
    return None
