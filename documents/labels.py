"""Static Chinese wording of the documents: titles and the statutory text they quote.

Kept out of the templates so that the web pages (e.g. the notice shown before printing) and the
PDFs quote the People's Mediation Law (人民调解法, 2010) with the same words.
"""

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
    "JCB": "司法确认申请材料",
    "DOS": "人民调解卷宗",
}

ORAL_APPLICATION_TITLE = "人民调解口头申请登记表"

LAW = "《中华人民共和国人民调解法》"

# 第二十三条
RIGHTS = (
    "选择或者接受人民调解员；",
    "接受调解、拒绝调解或者要求终止调解；",
    "要求调解公开进行或者不公开进行；",
    "自主表达意愿、自愿达成调解协议。",
)

# 第二十四条
DUTIES = (
    "如实陈述纠纷事实；",
    "遵守调解现场秩序，尊重人民调解员；",
    "尊重对方当事人行使权利。",
)

NOTICE_INTRO = (
    f"根据{LAW}的规定，人民调解委员会调解民间纠纷，在当事人自愿、平等的基础上进行，"
    "不违背法律、法规和国家政策，不收取任何费用。现将当事人在人民调解活动中享有的权利"
    "和应当履行的义务告知如下："
)

# 第三条、第三十一条、第三十三条: what the parties are told beyond the two lists.
NOTICE_FURTHER = (
    "人民调解不影响当事人依法通过仲裁、行政、司法等途径维护自己的权利。",
    "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。",
    "达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起三十日内"
    "共同向人民法院申请司法确认。",
)

# 第二十六条: the channels a party keeps when mediation fails.
OTHER_CHANNELS = (
    f"根据{LAW}第二十六条的规定，本委员会决定终止调解。当事人可以依法通过仲裁、行政、司法等"
    "途径维护自己的权利：属于仲裁范围的，可以依法申请仲裁；可以请求有关行政机关依法处理；"
    "也可以依法向人民法院提起诉讼。"
)

WITHDRAWN = (
    f"根据{LAW}第二十三条的规定，当事人有权要求终止调解。本委员会决定终止本纠纷的调解。"
    "当事人仍可依法通过仲裁、行政、司法等途径维护自己的权利。"
)

DECLINE_CHANNELS = "当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。"

# 第二十九条
AGREEMENT_EFFECT = (
    "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
)

# 第三十条
ORAL_AGREEMENT_EFFECT = "口头调解协议自各方当事人达成协议之日起生效。"

# 第三十一条、第三十三条
AGREEMENT_BINDING = (
    "本协议具有法律约束力，当事人应当按照约定履行。双方当事人认为有必要的，"
    "可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"
)

EXTENSION_TEXT = (
    "因纠纷情况复杂，在原定调解期限内难以调解终结。经征得各方当事人同意，本委员会决定延长调解期限。"
)

# 人民调解法 第三十三条; 民事诉讼法 特别程序 确认调解协议案件 (SPEC §13 司法确认).
JUDICIAL_BASIS = (
    f"根据{LAW}第三十三条和《中华人民共和国民事诉讼法》关于确认调解协议案件的规定，"
    "经人民调解委员会调解达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起"
    "三十日内共同向人民法院申请司法确认。人民法院依法确认调解协议有效，一方当事人拒绝履行"
    "或者未全部履行的，对方当事人可以向人民法院申请强制执行。"
)

# What the joint applicants undertake (the court's standard wording for 司法确认).
JUDICIAL_UNDERTAKING = (
    "申请人出于解决纠纷的目的自愿达成调解协议，没有恶意串通、规避法律的行为；"
    "如果因为该协议内容而给他人造成损害的，愿意承担相应的民事责任和其他法律责任。"
)

# The bundle's last page (JCB): the parties' identity as the court checks it.
IDENTITY_PAGE_TITLE = "当事人身份信息"

RETENTION_NOTE = "本卷宗按人民调解工作档案管理规定立卷归档，未经批准不得拆卷、抽页。"
