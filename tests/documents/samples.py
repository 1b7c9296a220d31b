"""Realistic render contexts for every document code, shaped like the ones the issuing service
builds from the models (see documents.renderer). Shared by the renderer tests, the issuing tests
and bench/bench_pdf_render.py."""

from __future__ import annotations

import copy
from typing import Any

CASE_NUMBER = "（2026）东村调委人调字第0007号"
AGREEMENT_NUMBER = "（2026）东村调委调协字第0003号"

ORGANIZATION = {
    "name": "东村人民调解委员会",
    "short_code": "东村调委",
    "seal_name": "青山县东镇东村人民调解委员会",
    "region": "青山市青山县东镇东村",
}

CASE = {
    "number": CASE_NUMBER,
    "dispute_type": "邻里纠纷",
    "source": "当事人申请",
    "summary": (
        "申请人张三与被申请人李四系东村3组前后院邻居。2026年9月下旬，李四翻建自家院墙时将墙基向"
        "张三一侧延伸约四十厘米，并堵塞了两家之间原有的排水沟，致使同年10月1日降雨后张三家院内"
        "积水，西厢房墙体受潮开裂。双方多次交涉未果，矛盾逐步激化。"
    ),
    "requests": "请求被申请人拆除越界墙基、恢复排水沟，并赔偿房屋维修费用人民币12000元。",
    "amount_involved": "12000.00",
    "occurred_on": "2026-10-01",
    "registered_on": "2026-11-01",
    "accepted_on": "2026-11-02",
    "region": "青山市青山县东镇东村",
    "mediators": ["王调解", "李调解"],
    "status_label": "调解",
    "outcome_label": "达成书面协议",
    "deadline": "2026-12-02",
    "risk_level_label": "低",
}

PARTIES = [
    {
        "role": "applicant",
        "role_label": "申请人",
        "kind": "person",
        "kind_label": "自然人",
        "name": "张三",
        "gender_label": "男",
        "ethnicity": "汉族",
        "birth_date": "1970-05-01",
        "id_number": "110101197005010011",
        "phone": "13800138000",
        "address": "青山市青山县东镇东村3组18号",
        "occupation": "农民",
    },
    {
        "role": "respondent",
        "role_label": "被申请人",
        "kind": "person",
        "kind_label": "自然人",
        "name": "李四",
        "gender_label": "女",
        "ethnicity": "回族",
        "birth_date": "1975-11-05",
        "id_number": "110101197511050528",
        "phone": "13900139000",
        "address": "青山市青山县东镇东村3组20号",
        "occupation": "个体工商户",
    },
    {
        "role": "third_party",
        "role_label": "第三人",
        "kind": "organization",
        "kind_label": "法人或其他组织",
        "name": "青山县东镇宏达建筑工程队",
        "gender_label": "",
        "ethnicity": "",
        "birth_date": "",
        "id_number": "91330100MA2AXXXX1K",
        "phone": "0571-88886666",
        "address": "青山市青山县东镇工业路8号",
        "occupation": "赵宏达",
    },
]

AGREEMENT_TERMS = [
    "被申请人李四于2026年12月15日前自行拆除越界部分墙基（约四十厘米），恢复原有地界，"
    "拆除费用由被申请人承担。",
    "被申请人李四于2026年12月15日前疏通并恢复两家之间的排水沟，保证排水畅通。",
    "被申请人李四赔偿申请人张三房屋维修费用人民币陆仟元整（¥6,000.00），于2026年12月20日前"
    "一次性通过银行转账支付至申请人指定账户。",
    "第三人青山县东镇宏达建筑工程队对施工中未核实地界的过失向双方致歉，并无偿协助完成墙基拆除。",
    "申请人张三收到上述款项后，不再就本纠纷向被申请人主张其他任何权利。",
    "双方今后应本着互谅互让、团结和睦的原则处理邻里关系，不得因本纠纷相互滋扰。",
]

RECORDS: dict[str, dict[str, Any]] = {
    "APP": {
        "application_kind": "written",
        "facts": CASE["summary"],
        "requests": CASE["requests"],
        "applied_on": "2026-11-01",
    },
    "REG": {
        "accepted_on": "2026-11-02",
        "accepted_by": "陈主任",
        "mediators": ["王调解", "李调解"],
        "source_label": "当事人申请",
        "registrar": "周登记",
    },
    "NOT": {"notified_on": "2026-11-02"},
    "DEC": {
        "reason": "该纠纷已由青山县人民法院立案受理，依法不属于人民调解的受理范围",
        "declined_on": "2026-11-02",
    },
    "INV": {
        "conducted_at": "2026-11-05 09:30",
        "place": "东村3组张三、李四两家院墙现场",
        "interviewers": ["王调解", "李调解"],
        "recorder": "周登记",
        "interviewee": "孙五（东村3组组长）",
        "content": (
            "问：你对张三、李四两家的地界情况是否了解？\n"
            "答：了解。两家宅基地是1998年村里统一划分的，中间原有一条宽约半米的排水沟，"
            "排水沟中线就是两家的地界。\n"
            "问：李四翻建院墙时，墙基是否越过了原来的地界？\n"
            "答：越过了。新墙基压在原排水沟上，往张三家那边多出大约四十厘米，我当时提醒过施工队。"
        ),
        "evidence": ["现场照片6张", "1998年宅基地划分示意图复印件1份", "房屋受损维修报价单1份"],
    },
    "MED": {
        "held_at": "2026-11-12 14:30",
        "place": "东村人民调解委员会调解室",
        "mediators": ["王调解", "李调解"],
        "attendees": "孙五（东村3组组长）、赵宏达（宏达建筑工程队负责人）",
        "content": (
            "调解员首先向双方告知了人民调解的性质、原则和当事人的权利义务，双方表示清楚。\n"
            "申请人张三陈述：李四家新墙基越界并堵了排水沟，导致我家房屋受损，要求拆墙、疏沟、赔偿。\n"
            "被申请人李四陈述：墙是施工队砌的，我不清楚越界，愿意拆除越界部分，但赔偿金额过高。"
        ),
        "facts_verified": (
            "经现场勘查和询问村民小组长，确认被申请人新建墙基越界约四十厘米并堵塞排水沟。"
        ),
        "result": (
            "双方就拆除越界墙基、恢复排水沟和赔偿维修费用达成一致意见，同意制作书面调解协议。"
        ),
    },
    "EXT": {
        "days": 15,
        "old_deadline": "2026-12-02",
        "new_deadline": "2026-12-17",
        "reason": "需等待第三人施工队核实施工图纸，并由双方共同委托维修费用评估",
        "consents": [{"party": "张三", "consented": True}, {"party": "李四", "consented": True}],
    },
    "AGR": {
        "number": AGREEMENT_NUMBER,
        "facts": CASE["summary"]
        + "\n经调查核实，被申请人新建墙基越界约四十厘米，并堵塞了两家之间原有的排水沟。",
        "responsibilities": (
            "被申请人李四翻建院墙未核实地界，致使墙基越界、排水沟堵塞，对申请人房屋受损负主要"
            "责任；第三人宏达建筑工程队施工前未核实地界，负次要责任；申请人张三无过错。"
        ),
        "terms": AGREEMENT_TERMS,
        "performance_method": "第一、二项由被申请人自行施工完成，调解委员会组织双方现场验收；"
        "第三项通过银行转账一次性支付。",
        "performance_deadline": "2026-12-20",
        "amount": "6000.00",
        "effective_on": "2026-11-27",
        "signatures": {
            "parties": [
                {"name": "张三", "signed": True},
                {"name": "李四", "signed": True},
                {"name": "青山县东镇宏达建筑工程队", "signed": True},
            ],
            "mediator": True,
            "seal": True,
        },
        "copies": 4,
    },
    "TRM": {
        "reason": "经多次调解，双方对赔偿数额分歧较大，被申请人明确表示不再接受调解",
        "ended_on": "2026-11-30",
        "withdrawn_by": "",
        "kind": "failed",
    },
    "CLS": {
        "outcome_label": "达成书面协议",
        "closed_on": "2026-11-28",
        "approved_by": "陈主任",
        "approved_on": "2026-11-28",
        "summary_of_work": (
            "本案受理后，调解员两次深入现场调查，询问村民小组长，查明越界事实；于11月12日、"
            "11月20日两次组织调解，释法明理，促成双方于11月27日达成书面调解协议。"
        ),
        "agreement_number": AGREEMENT_NUMBER,
    },
    "FUV": {
        "agreement_number": AGREEMENT_NUMBER,
        "visited_at": "2026-12-22 10:00",
        "method_label": "上门",
        "visitor": "王调解",
        "visitee": "张三",
        "performance_label": "已履行",
        "satisfaction_label": "满意",
        "new_risks": "无",
        "action_taken": "告知双方如有新的矛盾及时向调委会反映。",
        "went_to_court": False,
    },
    "SUP": {
        "issued_by": "刘督导",
        "authority": "青山县司法局",
        "content": (
            "该纠纷受理已逾二十日，涉及房屋安全且双方矛盾有激化迹象。请你委员会加大调解力度，"
            "必要时邀请村民小组长、施工单位共同参与，防止矛盾激化"
        ),
        "reply_by": "2026-11-25",
    },
}
RECORDS["FBK"] = {
    "lead_number": "（2026）东村调委排字第0012号",
    "channel": "法院委派（诉前）",
    "pre_litigation": True,
    "sender": "青山县人民法院",
    "sender_reference": "（2026）鲁0281民诉前调1234号",
    "found_on": "2026-11-01",
    "feedback_due": "2026-12-01",
    "outcome": "达成书面协议",
    "closing_reason": "",
    "closed_on": "2026-11-28",
}
# 司法确认申请书 (SPEC §13): documents.context.judicial_data.
RECORDS["JCA"] = {
    "court": "青山县人民法院",
    "applied_on": "2026-12-10",
    "window_end": "2026-12-27",
    "agreement": {
        key: RECORDS["AGR"][key]
        for key in ("number", "terms", "performance_method", "performance_deadline", "amount")
    }
    | {"effective_on": "2026-11-27", "numbered_terms": []},
}
RECORDS["ORA"] = {
    **RECORDS["AGR"],
    "number": "（2026）东村调委调协字第0004号",
    "terms": AGREEMENT_TERMS[:3],
    "copies": 1,
}

# As documents.numbers builds them for the case CASE_NUMBER (the first record of each kind).
DOCUMENT_NUMBERS = {
    "APP": "（2026）东村调委申字第0007号",
    "REG": "（2026）东村调委受字第0007号",
    "NOT": "（2026）东村调委告字第0007号",
    "DEC": "（2026）东村调委不受字第0007号",
    "INV": "（2026）东村调委调查字第0007-1号",
    "MED": "（2026）东村调委调记字第0007-1号",
    "EXT": "（2026）东村调委延字第0007-1号",
    "AGR": AGREEMENT_NUMBER,
    "ORA": "（2026）东村调委调协字第0004号",
    "TRM": "（2026）东村调委终字第0007号",
    "CLS": "（2026）东村调委结字第0007号",
    "FUV": "（2026）东村调委访字第0007-1号",
    "SUP": "（2026）东村调委督字第0007-1号",
    "FBK": "（2026）东村调委反馈字第0007号",
    "JCA": "（2026）东村调委司确字第0007号",
    "DOS": "（2026）东村调委卷字第0007号",
}

ISSUED_ON = {
    "APP": "2026-11-01",
    "REG": "2026-11-02",
    "NOT": "2026-11-02",
    "DEC": "2026-11-02",
    "INV": "2026-11-05",
    "MED": "2026-11-12",
    "EXT": "2026-11-25",
    "SUP": "2026-11-20",
    "AGR": "2026-11-27",
    "ORA": "2026-11-27",
    "TRM": "2026-11-30",
    "CLS": "2026-11-28",
    "FUV": "2026-12-22",
}

TITLES = {
    "APP": "人民调解申请书",
    "REG": "人民调解受理登记表",
    "NOT": "人民调解当事人权利义务告知书",
    "DEC": "不予受理告知书",
    "INV": "人民调解调查记录",
    "MED": "人民调解记录",
    "EXT": "延长调解期限确认书",
    "AGR": "人民调解协议书",
    "ORA": "口头调解协议登记表",
    "TRM": "终止人民调解告知书",
    "CLS": "结案报告表",
    "FUV": "人民调解回访记录",
    "SUP": "督办通知书",
    "FBK": "矛盾纠纷调处情况反馈函",
    "JCA": "司法确认申请书",
    "DOS": "人民调解卷宗",
}

# The order documents are issued in along the path a case takes (DEC and TRM end other paths).
DOSSIER_ORDER = ["APP", "REG", "NOT", "INV", "MED", "SUP", "EXT", "AGR", "CLS", "FUV"]


def sample_document(code: str, *, version: int = 1) -> dict[str, Any]:
    issued_on = ISSUED_ON.get(code, "2026-11-27")
    token = f"tk{code.lower()}{version}x7Qm2p"
    return {
        "code": code,
        "title": TITLES[code],
        "number": DOCUMENT_NUMBERS.get(code, ""),
        "version": version,
        "issued_on": issued_on,
        "issued_at": f"{issued_on}T10:00:00+08:00",
        "verify_url": f"http://127.0.0.1:8000/verify/{token}/",
        "token": token,
    }


def sample_context(code: str, **record_overrides: Any) -> dict[str, Any]:
    """A full render context for ``code``; DOS gives the dossier of DOSSIER_ORDER's documents."""
    context: dict[str, Any] = {
        "document": sample_document(code),
        "organization": copy.deepcopy(ORGANIZATION),
        "case": copy.deepcopy(CASE),
        "parties": copy.deepcopy(PARTIES),
    }
    if code == "DOS":
        context["dossier"] = sample_dossier(DOSSIER_ORDER)
    else:
        context["record"] = {**copy.deepcopy(RECORDS[code]), **record_overrides}
    return context


def sample_dossier(codes: list[str]) -> dict[str, Any]:
    return {
        "archived_on": "2027-01-05",
        "archivist": "周登记",
        "retention": "长期",
        "notes": "本卷含书面调解协议一份，协议已于2026年12月20日全部履行完毕。",
        "documents": [sample_context(code) for code in codes],
        "photos": [SAMPLE_PHOTO],
    }


SAMPLE_PHOTO = {
    "kind": "调查证据照片",
    "taken_on": "2026-12-03",
    "by": "孙调解",
    "record": "2026-12-03 09:30",
    "size": "1600×1200",
    "sha256": "3f9a6c1e" * 8,
}
