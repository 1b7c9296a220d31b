"""Import of the registers of past cases that committees keep today in Excel (SPEC §3, issue 6).

One table, `COLUMNS`, says everything about the file: the headers, which are required, how each
cell is read, and the help text of the downloadable template (`template_xlsx`) and of the README.

A run reads the file (.xlsx, or .csv in UTF-8 with or without BOM or in GB18030, which Chinese
Excel writes), checks the header, then reads and checks every row; row numbers are the
spreadsheet's (the header is row 1). If any row is bad, the run stops there and reports them all:
nothing is imported. Otherwise, in one transaction, each case is walked to its final state
through workflows.services, exactly as the demo data is walked (cases/demo.py): register →
accept → records → outcome → closure approval → visit → archive, dated by the register, every
event marked {"imported": true, "source_row": n}, no document issued and nothing notified
(workflows.services.Imported). A row the services refuse is reported like a bad cell. A dry run,
or any refused row, rolls the whole transaction back: a file is imported whole or not at all, and
a clean dry run means the import will go through.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases import choices, scope
from cases.choices import Outcome, Role
from cases.models import Case, DisputeType, Membership, Organization, Region, display_name
from cases.validators import validate_id_number, validate_phone
from workflows import services
from workflows.errors import DomainError, PermissionDenied

User = get_user_model()

MAX_FILE_BYTES = 10 * 1024 * 1024
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
def _text(value) -> str:
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
        text = _text(value).replace(" ", "")
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
    text = _text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{text[:30]}”不是金额，请只填数字，如 5000") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise CellError("金额须为0至一万亿元之间的数字")
    return amount.quantize(Decimal("0.01"))


def _choice(options: dict[str, str]) -> Callable:
    """Accepts the Chinese label (as the template's drop-down offers) or the API value."""

    def parse(value):
        text = _text(value)
        if not text:
            return ""
        if text in options:
            return options[text]
        if text in options.values():
            return text
        raise CellError(f"“{text[:30]}”不是可选值（{'、'.join(options)}）")

    parse.options = list(options)
    return parse


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
        text = _text(value).upper() if label == "身份证号" else _text(value)
        try:
            validator(text)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from None
        return text

    return parse


parse_id_number = _validated(validate_id_number, "身份证号")
parse_phone = _validated(validate_phone, "电话")


def parse_list(value) -> list[str]:
    """Several items in one cell: new lines, 、 ， ; ；"""
    return [item.strip() for item in re.split(r"[\n、,，;；]+", _text(value)) if item.strip()]


def parse_terms(value) -> list[str]:
    """Agreement terms: one per line or separated by ；"""
    return [item.strip() for item in re.split(r"[\n;；]+", _text(value)) if item.strip()]


# --- the columns --------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: str  # "是", "否" or when it is required
    help: str
    example: str
    parse: Callable = _text
    max_length: int | None = None
    options: tuple[str, ...] = ()  # the template's drop-down list

    @property
    def always_required(self) -> bool:
        return self.required == "是"


AGREEMENTS = "达成书面协议、达成口头协议时必填"
VISIT = "填写回访日期时必填"
PERSON_FIELDS = ("gender", "id_number", "phone", "address")


def _party_columns(role: str, label: str, required: str, example: tuple) -> list[Column]:
    name, id_number, phone = example
    return [
        Column(role, label, required, "姓名或单位名称", name, max_length=100),
        Column(f"{role}_gender", f"{label}性别", "否", "男 或 女", "男", parse_gender),
        Column(
            f"{role}_id_number",
            f"{label}身份证号",
            "否",
            "18位居民身份证号，校验位须正确；请把该列设为文本格式",
            id_number,
            parse_id_number,
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
BY_HEADER = {c.header: c for c in COLUMNS}


# --- results ------------------------------------------------------------------------------
@dataclass
class RowError:
    row: int
    messages: list[str]

    def __str__(self) -> str:
        return f"第{self.row}行：" + "；".join(self.messages)


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0  # data rows read (blank lines not counted)
    imported: int = 0  # cases created and kept (0 on a dry run or when anything is wrong)
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return [e.row for e in self.errors]


class FileProblem(Exception):
    pass


# --- reading the file ---------------------------------------------------------------------
def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem(
            "无法识别 CSV 文件的编码：请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”"
        ) from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileProblem("这不是文本格式的 CSV 文件")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式有误（第{reader.line_num}行）：{exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise FileProblem(f"不是有效的 .xlsx 文件（{type(exc).__name__}）") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        start = sheet.min_row or 1
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=start):
            yield number, list(row)
    finally:
        book.close()


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every line of the file, the header first."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith(".csv"):
        return _csv_rows(data)
    raise FileProblem("只能导入 .xlsx 或 .csv 文件")


def _normalize(header) -> str:
    text = _text(header).replace("\u3000", "").replace(" ", "")
    return text.rstrip("*＊").removesuffix("（必填）").removesuffix("(必填)")


def check_header(cells: list) -> tuple[list[Column | None], list[str]]:
    """The column of each position (None: ignored) and the problems with the header."""
    problems, seen, layout = [], set(), []
    unknown = []
    for cell in cells:
        header = _normalize(cell)
        if not header or header in IGNORED_HEADERS:
            layout.append(None)
            continue
        column = BY_HEADER.get(header)
        if column is None:
            unknown.append(header)
            layout.append(None)
        elif column.key in seen:
            problems.append(f"列“{header}”出现了两次")
            layout.append(None)
        else:
            seen.add(column.key)
            layout.append(column)
    if unknown:
        problems.append(
            "不认识的列：" + "、".join(f"“{h}”" for h in unknown) + "（请使用模板中的列名）"
        )
    missing = [c.header for c in COLUMNS if c.always_required and c.key not in seen]
    if missing:
        problems.append("缺少必填列：" + "、".join(f"“{h}”" for h in missing))
    return layout, problems


# --- one row ------------------------------------------------------------------------------
@dataclass
class Row:
    number: int
    values: dict
    ctx: Context
    errors: list[str] = field(default_factory=list)

    def get(self, key, default=None):
        return self.values.get(key, default)

    def error(self, key: str | None, message: str) -> None:
        label = next((c.header for c in COLUMNS if c.key == key), "") if key else ""
        self.errors.append(f"{label}：{message}" if label else message)


class Context:
    """What every row is checked against: the organization's regions, dispute types and
    mediators, loaded once."""

    def __init__(self, organization: Organization):
        self.organization = organization
        regions = Region.objects.filter(path__startswith=organization.region.path)
        self.regions: dict[str, list[Region]] = {}
        for region in regions:
            for name in {region.name, region.full_name}:
                self.regions.setdefault(name, []).append(region)
        self.dispute_types = {}
        for t in DisputeType.objects.filter(taxonomy__is_current=True):
            self.dispute_types[t.code] = self.dispute_types[t.name] = t
        self.mediators: dict[str, list] = {}
        members = Membership.objects.filter(
            organization=organization,
            role__in=[Role.MEDIATOR, Role.DIRECTOR],
            user__is_active=True,
        ).select_related("user")
        for user in {m.user for m in members}:
            for name in {user.username, display_name(user)}:
                self.mediators.setdefault(name, []).append(user)
        self.original_numbers = _imported_numbers(organization)


def _imported_numbers(organization) -> set[str]:
    from workflows.models import CaseEvent

    return set(
        CaseEvent.objects.filter(
            case__organization=organization, name="register", data__imported=True
        )
        .exclude(data__original_number=None)
        .values_list("data__original_number", flat=True)
    )


def parse_row(number: int, cells: list, layout: list, ctx: Context, seen_numbers: set) -> Row:
    row = Row(number, {}, ctx)
    for column, cell in zip(layout, cells, strict=False):
        if column is None:
            continue
        try:
            value = column.parse(cell)
        except CellError as exc:
            row.error(column.key, str(exc))
            continue
        if column.max_length and isinstance(value, str) and len(value) > column.max_length:
            row.error(column.key, f"不能超过{column.max_length}个字")
            continue
        row.values[column.key] = value
    for column in COLUMNS:
        if column.always_required and not row.get(column.key) and not _has_error(row, column):
            row.error(column.key, "必填")
    _check_references(row, ctx, seen_numbers)
    _check_outcome(row)
    _check_dates(row)
    return row


def _has_error(row: Row, column: Column) -> bool:
    return any(e.startswith(f"{column.header}：") for e in row.errors)


def _check_references(row: Row, ctx: Context, seen_numbers: set) -> None:
    if name := row.get("dispute_type"):
        row.values["dispute_type"] = ctx.dispute_types.get(name)
        if row.values["dispute_type"] is None:
            row.error("dispute_type", f"“{name}”不是现行纠纷类型")
    name = row.get("region")
    if not name:
        row.values["region"] = ctx.organization.region
    else:
        found = ctx.regions.get(name, [])
        if len(found) != 1:
            why = "有重名，请写全称" if found else "不在本调委会辖区内"
            row.error("region", f"“{name}”{why}")
        else:
            row.values["region"] = found[0]
    users = []
    for name in row.get("mediators") or []:
        found = ctx.mediators.get(name, [])
        if len(found) == 1:
            users.append(found[0])
        else:
            why = "有重名，请填写用户名" if found else "不是本调委会的调解员"
            row.error("mediators", f"“{name}”{why}")
    row.values["mediators"] = users
    if number := row.get("original_number"):
        if number in ctx.original_numbers:
            row.error("original_number", f"“{number}”已经导入过")
        elif number in seen_numbers:
            row.error("original_number", f"“{number}”在本文件中重复")
        seen_numbers.add(number)


def _check_outcome(row: Row) -> None:
    outcome = row.get("outcome")
    if not outcome:
        return
    declined = outcome == Outcome.DECLINED
    if not declined and not row.get("respondent"):
        row.error("respondent", "除不予受理外必填")
    accepted = not declined and (outcome != Outcome.WITHDRAWN or row.get("mediators"))
    if accepted and not row.get("mediators") and not _has_error(row, COLUMNS_BY_KEY["mediators"]):
        row.error("mediators", "受理后的案件必填")
    ends = (Outcome.DECLINED, Outcome.FAILED, Outcome.WITHDRAWN)
    if outcome in ends and not row.get("closing_reason"):
        row.error("closing_reason", "必填")
    if outcome == Outcome.WITHDRAWN and not row.get("withdrawn_by"):
        row.error("withdrawn_by", "必填")
    if outcome in choices.AGREEMENT_OUTCOMES:
        if not row.get("terms"):
            row.error("terms", "达成协议时必填")
        deadline = COLUMNS_BY_KEY["performance_deadline"]
        if not row.get("performance_deadline") and not _has_error(row, deadline):
            row.error("performance_deadline", "达成协议时必填")
    visit = [k for k in ("visit_method", "performance", "satisfaction") if row.get(k)]
    if row.get("visited_on"):
        if outcome not in choices.AGREEMENT_OUTCOMES:
            row.error("visited_on", "只有达成协议的案件登记回访")
        for key in ("visit_method", "performance", "satisfaction"):
            if not row.get(key) and not _has_error(row, COLUMNS_BY_KEY[key]):
                row.error(key, "填写回访日期时必填")
    elif visit:
        row.error("visited_on", "填写了回访信息，但缺少回访日期")
    elif row.get("archived_on") and outcome in choices.AGREEMENT_OUTCOMES:
        row.error("visited_on", "达成协议的案件须先回访才能归档")


DATE_ORDER = (
    "occurred_on",
    "registered_on",
    "accepted_on",
    "outcome_on",
    "closed_on",
    "visited_on",
    "archived_on",
)


def _check_dates(row: Row) -> None:
    """Each date no earlier than the one before it (the empty ones take their default)."""
    last_key, last = None, None
    for key in DATE_ORDER:
        day = row.get(key)
        if day is None:
            continue
        if last is not None and day < last:
            row.error(key, f"{day} 早于{COLUMNS_BY_KEY[last_key].header} {last}")
        last_key, last = key, day


COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}


# --- walking one case to its final state --------------------------------------------------
class Steps:
    """The dates of a row's steps, one minute apart from the last so their order holds."""

    def __init__(self, row: Row, tz):
        self.row, self.tz, self.count = row, tz, 0

    def at(self, *keys: str) -> services.Imported:
        day = next((self.row.get(k) for k in keys if self.row.get(k)), None)
        moment = dt.datetime.combine(day, WORK_HOUR, tzinfo=self.tz)
        self.count += 1
        return services.Imported(
            source_row=self.row.number,
            at=moment + dt.timedelta(minutes=self.count),
            original_number=self.row.get("original_number") or "",
        )


def _party(row: Row, role: str, key: str) -> dict:
    data = {"role": role, "name": row.get(key)}
    for name in PERSON_FIELDS:
        if value := row.get(f"{key}_{name}"):
            data[name] = value
    return data


def create_case(row: Row, *, actor, director) -> Case:
    """Through the services, step by step, dated by the register (see module docstring)."""
    s, steps = services, Steps(row, timezone.get_default_timezone())
    outcome, note = row.get("outcome"), f"历史案件导入（原登记簿第{row.number}行）"
    parties = [_party(row, "applicant", "applicant")]
    if row.get("respondent"):
        parties.append(_party(row, "respondent", "respondent"))
    case = s.case_register(
        actor=actor,
        organization=row.ctx.organization,
        region=row.get("region"),
        dispute_type=row.get("dispute_type"),
        source=row.get("source"),
        summary=row.get("summary"),
        requests=row.get("requests") or "",
        amount_involved=row.get("amount_involved"),
        occurred_on=row.get("occurred_on"),
        parties=parties,
        imported=steps.at("registered_on"),
    )
    reason = row.get("closing_reason") or ""
    if outcome == Outcome.DECLINED:
        s.case_transition(
            case,
            "decline",
            actor=actor,
            reason=reason,
            imported=steps.at("outcome_on", "registered_on"),
        )
        return _close(case, row, steps, director, actor)
    mediators = row.get("mediators")
    if mediators:
        s.case_transition(
            case,
            "accept",
            actor=actor,
            mediators=mediators,
            imported=steps.at("accepted_on", "registered_on"),
        )
    when_outcome = ("outcome_on", "accepted_on", "registered_on")
    if outcome == Outcome.WITHDRAWN:
        s.case_transition(
            case,
            "withdraw",
            actor=actor,
            party=row.get("withdrawn_by"),
            reason=reason,
            imported=steps.at(*when_outcome),
        )
        return _close(case, row, steps, director, actor)
    mediator = mediators[0]
    step = steps.at("accepted_on", "registered_on")
    s.record_add(
        case,
        "investigation",
        actor=mediator,
        conducted_at=step.at,
        place="原登记簿未载明",
        interviewee=row.get("applicant"),
        content=f"{note}。纠纷简要情况：{row.get('summary')}",
        imported=step,
    )
    s.case_transition(
        case, "start_mediation", actor=mediator, imported=steps.at("accepted_on", "registered_on")
    )
    if outcome == Outcome.FAILED:
        s.case_transition(
            case, "record_failure", actor=mediator, reason=reason, imported=steps.at(*when_outcome)
        )
        return _close(case, row, steps, director, actor)
    label = choices.Outcome(outcome).label
    step = steps.at(*when_outcome)
    s.record_add(
        case,
        "session",
        actor=mediator,
        held_at=step.at,
        place="原登记簿未载明",
        attendees="原登记簿未载明",
        content=f"{note}。调解结果：{label}",
        result=label,
        imported=step,
    )
    effective = next(row.get(k) for k in when_outcome if row.get(k))
    s.case_transition(
        case,
        "record_agreement",
        actor=mediator,
        kind="written" if outcome == Outcome.AGREEMENT_WRITTEN else "oral",
        terms=row.get("terms"),
        performance_method=row.get("performance_method") or "",
        performance_deadline=row.get("performance_deadline"),
        amount=row.get("agreement_amount"),
        # A written agreement in the register is the signed and sealed paper.
        signatures_complete=outcome == Outcome.AGREEMENT_WRITTEN,
        effective_on=effective,
        imported=steps.at(*when_outcome),
    )
    return _close(case, row, steps, director, actor)


def _close(case, row: Row, steps: Steps, director, actor) -> Case:
    s = services
    before_close = ("outcome_on", "accepted_on", "registered_on")
    s.case_transition(
        case, "approve_closure", actor=director, imported=steps.at("closed_on", *before_close)
    )
    if case.status != choices.Status.FOLLOW_UP or not row.get("visited_on"):
        return case
    step = steps.at("visited_on")
    s.record_add(
        case,
        "follow_up",
        actor=row.get("mediators")[0],
        visited_at=step.at,
        method=row.get("visit_method"),
        visitee=row.get("applicant"),
        performance=row.get("performance"),
        satisfaction=row.get("satisfaction"),
        notes=f"历史案件导入（原登记簿第{row.number}行）",
        imported=step,
    )
    s.case_transition(case, "archive", actor=actor, imported=steps.at("archived_on", "visited_on"))
    return case


# --- the run ------------------------------------------------------------------------------
def may_import(user, organization) -> bool:
    """The committee's clerks and director, who register and accept its cases (an admin who is
    neither could not accept them: the import is theirs to do)."""
    return any(
        m.organization_id == organization.pk and m.role in (Role.CLERK, Role.DIRECTOR)
        for m in scope.memberships(user)
    )


def _director(organization, actor):
    if any(
        m.organization_id == organization.pk and m.role == Role.DIRECTOR
        for m in scope.memberships(actor)
    ):
        return actor
    membership = (
        Membership.objects.filter(
            organization=organization, role=Role.DIRECTOR, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


class _Rollback(Exception):
    pass


def import_cases(
    data: bytes,
    *,
    filename: str,
    organization: Organization,
    actor,
    dry_run: bool,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Read, check and (unless `dry_run`) import a register; see the module docstring."""
    if not may_import(actor, organization):
        raise PermissionDenied("只有本调委会的登记员或调委会主任可以导入案件。")
    result = ImportResult(dry_run=dry_run)
    if len(data) > MAX_FILE_BYTES:
        result.file_errors.append(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return result
    director = _director(organization, actor)
    if director is None:
        result.file_errors.append(
            "本调委会没有调委会主任账号，无法办理结案审批；请先由系统管理员设置主任。"
        )
        return result
    try:
        lines = read_rows(data, filename)
        header = next(lines, None)
        if header is None or not any(_text(c) for c in header[1]):
            result.file_errors.append("文件是空的：第1行应为列名")
            return result
        layout, problems = check_header(header[1])
        if problems:
            result.file_errors.extend(problems)
            return result
        ctx = Context(organization)
        rows, seen = [], set()
        for number, cells in lines:
            if not any(_text(c) for c in cells):
                continue
            if len(rows) >= max_rows:
                result.file_errors.append(
                    f"一次最多导入 {max_rows} 行：请分成几个文件"
                    + (
                        "；更大的登记簿可由系统管理员用 import_cases 命令导入"
                        if max_rows < MAX_ROWS
                        else ""
                    )
                )
                return result
            rows.append(parse_row(number, cells, layout, ctx, seen))
    except FileProblem as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    if not rows:
        result.file_errors.append("文件中没有案件（第2行起为数据）")
        return result
    result.errors = [RowError(r.number, r.errors) for r in rows if r.errors]
    if result.errors:
        # Walking the good rows through the services would take long and prove little while
        # the file must be corrected anyway; a corrected file gets the services' checks too.
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        create_case(row, actor=actor, director=director)
                except DomainError as exc:
                    row.error(None, _explain(exc))
            result.errors = [RowError(r.number, r.errors) for r in rows if r.errors]
            if dry_run or result.errors:
                raise _Rollback  # nothing stays: a dry run, or a file with a refused row
            result.imported = len(rows)
    except _Rollback:
        pass
    return result


def _explain(exc: DomainError) -> str:
    if exc.missing:
        return "条件未满足：" + "；".join(exc.missing)
    return exc.message


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
    notes.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.header, column.required, column.help, column.example])
    for letter, width in zip("ABCD", (20, 30, 60, 24), strict=True):
        notes.column_dimensions[letter].width = width
    notes.append([])
    notes.append(
        [
            "说明",
            "",
            "第1行为列名，第2行起每行一件已办结的案件；列的顺序不限，带颜色的列须填写。"
            "导入前会先检查全部行，有任何一行有误则一件也不导入。",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
