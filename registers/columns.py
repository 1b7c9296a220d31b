"""The register's columns: the one table (`COLUMNS`) that says how each cell is read and
checked, which are required, and the help of the downloadable template (`template_xlsx`) and of
the README."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import choices
from cases.choices import Outcome
from cases.models import DisputeType
from cases.validators import validate_phone
from core.spreadsheet import xlsx_row

User = get_user_model()


MAX_ROWS = 20_000
SHEET = "案件登记"
IGNORED_HEADERS = {"序号"}  # every register numbers its lines; nothing to import from it
EARLIEST = dt.date(1980, 1, 1)
# A register holds dates, not times: each step is put at 09:00 local time of its date, one
# minute apart, so the event log keeps the order of the steps.
WORK_HOUR = dt.time(9, 0)


class CellError(Exception):
    """A cell that cannot be read; the message is shown after the column name."""


# --- reading one cell ---------------------------------------------------------------------
def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 5000.0 from Excel is "5000"
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.date() if isinstance(value, dt.datetime) else value
        return value.isoformat()
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def parse_date(value, *, future: bool = False) -> dt.date | None:
    """A day of the past (or, with `future`, up to 2100: a performance deadline)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = cell_text(value).replace(" ", "")
        for fmt in _DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise CellError(f"“{text[:30]}”不是日期，请写成 2024-03-05")
    latest = dt.date(2100, 12, 31) if future else timezone.localdate()
    if not EARLIEST <= day <= latest:
        raise CellError(f"{day} 不在 {EARLIEST.year} 年至{'2100年' if future else '今天'}之间")
    return day


def parse_deadline(value) -> dt.date | None:
    return parse_date(value, future=True)


def parse_money(value) -> Decimal | None:
    text = cell_text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{text[:30]}”不是金额，请只填数字，如 5000") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise CellError("金额须为0至一万亿元之间的数字")
    return amount.quantize(Decimal("0.01"))


class _Choice:
    """A cell that holds one of fixed values: the Chinese label (or the API value itself)."""

    def __init__(self, options: dict[str, str]):
        self.mapping = options
        self.options = list(options)  # the labels, for the help text and the drop-down

    def __call__(self, value: object) -> str:
        text = cell_text(value)
        if not text:
            return ""
        if text in self.mapping:
            return self.mapping[text]
        if text in self.mapping.values():
            return text
        raise CellError(f"“{text[:30]}”不是可选值（{'、'.join(self.mapping)}）")


def _choice(options: dict[str, str]) -> _Choice:
    return _Choice(options)


def _labels(choices_class, **extra) -> dict[str, str]:
    return {str(label): value for value, label in choices_class.choices} | extra


parse_source = _choice(_labels(choices.Source))
parse_gender = _choice(_labels(choices.Gender))
parse_outcome = _choice(
    _labels(choices.Outcome, **{"撤回": Outcome.WITHDRAWN, "终止": Outcome.WITHDRAWN})
)
parse_method = _choice(_labels(choices.FollowUpMethod))
parse_performance = _choice(_labels(choices.Performance))
parse_satisfaction = _choice(_labels(choices.Satisfaction))


def _validated(validator, label: str) -> Callable:
    def parse(value):
        if isinstance(value, float):
            # Excel keeps 15 significant digits: an 18-digit number has already lost its end.
            raise CellError(f"{label}被Excel存成了数字（会丢失末几位），请把该列设为文本后重填")
        text = cell_text(value).upper() if label == "证件号码" else cell_text(value)
        try:
            validator(text)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from None
        return text

    return parse


# The number is checked with its type, per row (registers.checking); here only read as text.
parse_id_number = _validated(lambda text: None, "证件号码")
parse_id_type = _choice(_labels(choices.IdType))
parse_phone = _validated(validate_phone, "电话")


def parse_list(value) -> list[str]:
    """Several items in one cell: new lines, 、 ， ; ；"""
    return [item.strip() for item in re.split(r"[\n、,，;；]+", cell_text(value)) if item.strip()]


def parse_terms(value) -> list[str]:
    """Agreement terms: one per line or separated by ；"""
    return [item.strip() for item in re.split(r"[\n;；]+", cell_text(value)) if item.strip()]


# --- the columns --------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: str  # "是", "否" or when it is required
    help: str
    example: str
    parse: Callable = cell_text
    max_length: int | None = None
    options: tuple[str, ...] = ()  # the template's drop-down list
    aliases: tuple[str, ...] = ()  # earlier headers still read (files filled from an old template)

    @property
    def always_required(self) -> bool:
        return self.required == "是"


AGREEMENTS = "达成书面协议、达成口头协议时必填"
VISIT = "填写回访日期时必填"
PERSON_FIELDS = ("gender", "id_type", "id_number", "id_country", "phone", "address")


def _party_columns(role: str, label: str, required: str, example: tuple) -> list[Column]:
    name, id_number, phone = example
    return [
        Column(role, label, required, "姓名或单位名称", name, max_length=100),
        Column(f"{role}_gender", f"{label}性别", "否", "男 或 女", "男", parse_gender),
        Column(
            f"{role}_id_type",
            f"{label}证件类型",
            "否",
            "居民身份证、一代身份证（15位）、港澳台居民居住证、护照等；不填时按号码判断"
            "（18位为居民身份证，无号码为无/不详）",
            "居民身份证",
            parse_id_type,
            options=tuple(parse_id_type.options),
        ),
        Column(
            f"{role}_id_number",
            f"{label}证件号码",
            "否",
            "按证件类型校验（居民身份证18位，校验位须正确）；请把该列设为文本格式",
            id_number,
            parse_id_number,
            aliases=(f"{label}身份证号",),
        ),
        Column(
            f"{role}_id_country",
            f"{label}护照签发国",
            "否",
            "仅护照：三位字母国家代码，如 USA",
            "",
            max_length=3,
        ),
        Column(
            f"{role}_phone", f"{label}电话", "否", "11位手机号或带区号的固话", phone, parse_phone
        ),
        Column(f"{role}_address", f"{label}住址", "否", "", "青山县东镇东村1组", max_length=200),
    ]


COLUMNS: list[Column] = [
    Column(
        "original_number",
        "原案号",
        "否",
        "原登记簿上的编号，仅作记录并防止重复导入；系统按登记年度重新编号",
        "2024-017",
        max_length=64,
    ),
    Column("registered_on", "登记日期", "是", "日期，如 2024-03-05", "2024-03-05", parse_date),
    Column("dispute_type", "纠纷类型", "是", "纠纷类型名称（如“邻里”）或代码", "邻里"),
    Column(
        "source",
        "案件来源",
        "是",
        "、".join(parse_source.options),
        "当事人申请",
        parse_source,
        options=tuple(parse_source.options),
    ),
    Column(
        "region", "纠纷发生地", "否", "本调委会所在地或其下级区域的名称，留空为调委会所在地", "东村"
    ),
    Column("summary", "纠纷简要情况", "是", "", "双方因排水沟堵塞发生争执"),
    Column("requests", "当事人请求", "否", "", "请求疏通排水沟"),
    Column("amount_involved", "涉及金额（元）", "否", "数字", "5000", parse_money),
    Column("occurred_on", "纠纷发生日期", "否", "日期，不晚于登记日期", "2024-03-01", parse_date),
    *_party_columns("applicant", "申请人", "是", ("张三", "110105197005010019", "13700000001")),
    *_party_columns(
        "respondent", "被申请人", "不予受理以外必填", ("李四", "11010519800612002X", "13700000002")
    ),
    Column(
        "mediators",
        "调解员",
        "受理后的案件必填",
        "本调委会调解员（或主任）的姓名或用户名，多人用“、”分隔",
        "孙调解",
        parse_list,
    ),
    Column("accepted_on", "受理日期", "否", "日期，留空为登记日期", "2024-03-06", parse_date),
    Column(
        "outcome",
        "调解结果",
        "是",
        "、".join(parse_outcome.options[:5]),
        "达成书面协议",
        parse_outcome,
        options=tuple(parse_outcome.options[:5]),
    ),
    Column("outcome_on", "结果日期", "否", "日期，留空为受理日期", "2024-03-20", parse_date),
    Column(
        "closing_reason",
        "不予受理或终止原因",
        "不予受理、调解不成、撤回/终止时必填",
        "",
        "",
    ),
    Column("withdrawn_by", "撤回方", "撤回/终止时必填", "撤回调解的当事人", "", max_length=100),
    Column(
        "terms", "协议内容", AGREEMENTS, "每条一行，或用“；”分隔", "被申请人疏通排水沟", parse_terms
    ),
    Column("performance_method", "履行方式", "否", "", "自行履行", max_length=200),
    Column("performance_deadline", "履行期限", AGREEMENTS, "日期", "2024-04-30", parse_deadline),
    Column("agreement_amount", "协议金额（元）", "否", "数字", "", parse_money),
    Column("closed_on", "结案日期", "否", "结案审批日期，留空为结果日期", "2024-03-22", parse_date),
    Column(
        "visited_on",
        "回访日期",
        "否",
        "达成协议的案件：填写则登记回访并归档，留空则停在“回访”",
        "2024-05-10",
        parse_date,
    ),
    Column(
        "visit_method",
        "回访方式",
        VISIT,
        "、".join(parse_method.options),
        "电话",
        parse_method,
        options=tuple(parse_method.options),
    ),
    Column(
        "performance",
        "履行情况",
        VISIT,
        "、".join(parse_performance.options),
        "已履行",
        parse_performance,
        options=tuple(parse_performance.options),
    ),
    Column(
        "satisfaction",
        "满意度",
        VISIT,
        "、".join(parse_satisfaction.options),
        "满意",
        parse_satisfaction,
        options=tuple(parse_satisfaction.options),
    ),
    Column("archived_on", "归档日期", "否", "日期，留空为回访日期", "2024-05-12", parse_date),
]
BY_HEADER = {c.header: c for c in COLUMNS} | {a: c for c in COLUMNS for a in c.aliases}


COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}


# --- the template -------------------------------------------------------------------------
def template_xlsx() -> bytes:
    """The empty register, from COLUMNS: required headers marked, text format on the ID and
    phone columns, drop-downs for the fixed choices, and a sheet that explains every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    required = PatternFill("solid", fgColor="FCE4D6")
    types = [t.name for t in DisputeType.objects.filter(taxonomy__is_current=True)]
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        if column.required != "否":
            cell.fill = required
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 2)
        if column.parse in (parse_id_number, parse_phone) or column.key == "original_number":
            sheet.column_dimensions[letter].number_format = "@"
        options = column.options or (tuple(types) if column.key == "dispute_type" else ())
        if options:
            check = DataValidation(
                type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
            )
            check.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(xlsx_row(notes, ["列名", "是否必填", "填写要求", "示例"]))
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append(xlsx_row(notes, [column.header, column.required, column.help, column.example]))
    for letter, width in zip("ABCD", (20, 30, 60, 24), strict=True):
        notes.column_dimensions[letter].width = width
    notes.append([])
    notes.append(
        xlsx_row(
            notes,
            [
                "说明",
                "",
                "第1行为列名，第2行起每行一件已办结的案件；列的顺序不限，带颜色的列须填写。"
                "导入前会先检查全部行，有任何一行有误则一件也不导入。",
            ],
        )
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
