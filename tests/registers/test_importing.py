"""Import of past case registers (cases/importing.py): the file is checked row by row, a dry run
imports nothing, a real run imports all or nothing, each case reaches its final state through
the services with every event marked as imported."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import ric

from cases.models import Case, Party
from documents.models import Document
from registers import importing
from workflows.models import CaseEvent, Notification

HEADERS = [c.header for c in importing.COLUMNS]
DAY = dt.date(2024, 3, 4)


def id_number(i: int) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i)
    body = f"110105{birth:%Y%m%d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def row(i: int, outcome: str = "达成书面协议", **overrides) -> dict:
    """One register line, valid for `outcome`; dates spread over 2024."""
    day = DAY + dt.timedelta(days=i % 200)
    data = {
        "原案号": f"2024-{i:05d}",
        "登记日期": day.isoformat(),
        "纠纷类型": "邻里",
        "案件来源": "当事人申请",
        "纠纷简要情况": f"第{i}件：排水沟堵塞",
        "申请人": f"甲{i}",
        "申请人证件号码": id_number(2 * i),
        "申请人电话": f"137{i:08d}",
        "被申请人": f"乙{i}",
        "被申请人证件号码": id_number(2 * i + 1),
        "调解结果": outcome,
    }
    if outcome != "不予受理":
        data |= {"调解员": "孙调解", "受理日期": (day + dt.timedelta(days=1)).isoformat()}
    if outcome in ("调解不成", "撤回", "不予受理"):
        data["不予受理或终止原因"] = "双方自行和解" if outcome == "撤回" else "不属于受理范围"
    if outcome == "撤回":
        data["撤回方"] = "申请人"
    if outcome.startswith("达成"):
        data |= {
            "结果日期": (day + dt.timedelta(days=10)).isoformat(),
            "协议内容": "乙方疏通排水沟；甲方不再追究",
            "履行期限": (day + dt.timedelta(days=30)).isoformat(),
        }
    if outcome == "达成书面协议":
        data |= {
            "回访日期": (day + dt.timedelta(days=40)).isoformat(),
            "回访方式": "电话",
            "履行情况": "已履行",
            "满意度": "满意",
        }
    return data | overrides


def as_csv(rows: list[dict], encoding: str = "utf-8-sig", headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[dict]) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(importing.template_xlsx()))
    sheet = book[importing.SHEET]
    for r in rows:
        sheet.append([r.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def run(world, clerk):
    def go(data: bytes, *, dry_run=False, filename="register.csv", actor=None):
        return importing.import_cases(
            data,
            filename=filename,
            organization=world["east"],
            actor=actor or clerk,
            dry_run=dry_run,
        )

    return go


# --- the 1,000-row register ---------------------------------------------------------------
BAD = {
    # row index → what is wrong with it (20 rows, each a different kind of mistake)
    7: {"申请人证件号码": "110105197005010013"},  # check digit
    31: {"登记日期": "2024-13-45"},
    64: {"纠纷类型": "决斗"},
    99: {"纠纷简要情况": ""},
    130: {"调解员": "不存在的人"},
    161: {"协议内容": ""},
    202: {"调解结果": "和好如初"},
    233: {"涉及金额（元）": "-5"},
    264: {"受理日期": "2024-01-01"},  # before registration
    300: {"申请人电话": "12345"},
    341: {"案件来源": "路过"},
    372: {"被申请人": ""},
    403: {"履行期限": ""},
    444: {"回访方式": ""},
    505: {"登记日期": "2999-01-01"},  # in the future
    546: {"纠纷发生地": "火星"},
    607: {"申请人": ""},
    688: {"原案号": "2024-00001"},  # the same number as row 3
    769: {"撤回方": ""},
    850: {"申请人性别": "未知"},
}
# Mostly short paths (a thousand cases through the services must stay quick); every outcome
# appears, and the long paths are checked one by one below.
MIX = ["不予受理"] * 6 + ["撤回"] * 2 + ["调解不成", "达成口头协议", "达成书面协议"]


def thousand(bad: bool) -> list[dict]:
    rows = []
    for i in range(1000):
        outcome = MIX[i % len(MIX)]
        if i in (202, 161, 403, 444, 769):  # the mistake must fit the row's outcome
            outcome = {161: "达成口头协议", 403: "达成口头协议", 444: "达成书面协议"}.get(i, "撤回")
        r = row(i, outcome)
        if outcome == "撤回" and i % 2:
            r.pop("调解员"), r.pop("受理日期")  # withdrawn before acceptance
        if bad and i in BAD:
            r |= BAD[i]
        rows.append(r)
    return rows


def test_thousand_rows_twenty_bad_then_fixed(run):
    data = as_csv(thousand(bad=True))

    dry = run(data, dry_run=True)
    assert dry.rows == 1000
    assert dry.bad_rows == sorted(i + 2 for i in BAD)  # the header is row 1
    assert all(e.messages for e in dry.errors)
    assert Case.objects.count() == 0

    real = run(data)
    assert not real.ok and real.imported == 0
    assert real.bad_rows == dry.bad_rows
    assert Case.objects.count() == 0

    fixed = run(as_csv(thousand(bad=False)))
    assert fixed.ok, [str(e) for e in fixed.errors[:5]]
    assert fixed.imported == 1000
    assert Case.objects.count() == 1000
    events = CaseEvent.objects.all()
    assert not events.exclude(data__imported=True).exists()
    assert not Document.objects.exists()
    assert not Notification.objects.exists()


def test_performance_deadline_may_be_ahead_other_dates_may_not(run):
    from django.utils import timezone

    ahead = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    oral = row(1, "达成口头协议", 履行期限=ahead)
    assert run(as_csv([oral]), dry_run=True).ok
    result = run(as_csv([row(2, "不予受理", 登记日期=ahead)]), dry_run=True)
    assert "至今天之间" in result.errors[0].messages[0]


def test_bad_row_messages_name_the_column(run):
    result = run(as_csv([row(0), row(1) | BAD[7], row(2) | BAD[264]]), dry_run=True)
    assert result.bad_rows == [3, 4]
    assert "申请人证件号码" in result.errors[0].messages[0]
    assert "受理日期" in result.errors[1].messages[0]
    assert "早于登记日期" in result.errors[1].messages[0]
    assert str(result.errors[0]).startswith("第3行：")


# --- one case per outcome, walked through the services -----------------------------------
def test_each_outcome_reaches_its_final_state(run, clerk, director, mediator):
    rows = [
        row(1, "达成书面协议"),
        row(2, "达成口头协议"),
        row(3, "调解不成"),
        row(4, "撤回"),
        row(5, "不予受理"),
    ]
    result = run(as_csv(rows))
    assert result.ok and result.imported == 5
    cases = {c.summary.split("：")[0]: c for c in Case.objects.all()}
    written, oral, failed, withdrawn, declined = (cases[f"第{i}件"] for i in range(1, 6))
    assert (written.status, written.outcome) == ("archived", "agreement_written")
    assert (oral.status, oral.outcome) == ("follow_up", "agreement_oral")
    assert (failed.status, failed.outcome) == ("archived", "failed")
    assert (withdrawn.status, withdrawn.outcome) == ("archived", "withdrawn")
    assert (declined.status, declined.outcome) == ("archived", "declined")

    # Dated by the register, numbered in its year, acted by the people who did the work.
    assert written.number == "（2024）东村调委人调字第0001号"
    assert written.registered_at.date() == DAY + dt.timedelta(days=1)
    assert written.accepted_at.date() == DAY + dt.timedelta(days=2)
    assert written.archived_at.date() == DAY + dt.timedelta(days=41)
    assert written.current_agreement.effective_on == DAY + dt.timedelta(days=11)
    assert written.current_agreement.signatures_complete
    assert list(written.mediators.all()) == [mediator]
    steps = list(written.events.order_by("at", "id"))
    assert [e.name for e in steps] == [
        "register",
        "accept",
        "investigation_add",
        "start_mediation",
        "session_add",
        "record_agreement",
        "approve_closure",
        "follow_up_add",
        "archive",
    ]
    assert [e.at for e in steps] == sorted(e.at for e in steps)
    assert {e.data["source_row"] for e in steps} == {2}  # the first line under the header
    assert steps[0].data["original_number"] == "2024-00001"
    assert steps[0].actor == clerk and steps[6].actor == director and steps[3].actor == mediator
    assert not written.documents.exists()


def test_dry_run_walks_the_services_and_keeps_nothing(run):
    result = run(as_csv([row(1), row(2, "调解不成")]), dry_run=True)
    assert result.ok and result.dry_run and result.imported == 0
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_row_the_services_refuse_is_reported_and_nothing_kept(run):
    # 回避: the mediator 孙调解 is a party to the dispute in row 3.
    rows = [row(1, "调解不成"), row(2, "调解不成", 申请人="孙调解")]
    result = run(as_csv(rows))
    assert result.bad_rows == [3]
    assert "回避" in result.errors[0].messages[0]
    assert not Case.objects.exists()


def test_the_same_register_number_is_not_imported_twice(run):
    assert run(as_csv([row(1, "不予受理")])).ok
    again = run(as_csv([row(1, "不予受理")]))
    assert again.bad_rows == [2]
    assert "已经导入过" in again.errors[0].messages[0]
    assert Case.objects.count() == 1


# --- file formats -------------------------------------------------------------------------
def test_csv_in_gb18030(run):
    result = run(as_csv([row(1), row(2, "不予受理")], encoding="gb18030"))
    assert result.ok, result.file_errors + [str(e) for e in result.errors]
    assert Case.objects.filter(parties__name="甲1").exists()


def test_csv_in_utf8_without_bom(run):
    assert run(as_csv([row(1, "不予受理")], encoding="utf-8")).ok


def test_xlsx_from_the_template(run):
    result = run(as_xlsx([row(1), row(2, "调解不成")]), filename="登记簿.xlsx")
    assert result.ok and result.imported == 2


def test_xlsx_dates_and_numbers_as_excel_stores_them(run):
    data = row(1, "不予受理") | {"登记日期": dt.datetime(2024, 3, 5), "涉及金额（元）": 5000.0}
    assert run(as_xlsx([data]), filename="r.xlsx").ok
    case = Case.objects.get()
    assert case.registered_at.date() == dt.date(2024, 3, 5) and case.amount_involved == 5000


def test_xlsx_id_number_stored_as_a_number_is_refused(run):
    data = row(1, "不予受理") | {"申请人证件号码": 110105195001010000.0}
    result = run(as_xlsx([data]), filename="r.xlsx", dry_run=True)
    assert "存成了数字" in result.errors[0].messages[0]


def test_not_a_spreadsheet(run):
    assert "不是有效的 .xlsx" in run(b"hello", filename="r.xlsx").file_errors[0]
    assert "只能导入" in run(b"hello", filename="r.txt").file_errors[0]
    assert "编码" in run(b"\xff\xfe\xfa\x00bad", filename="r.csv").file_errors[0]


# --- the header ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers, expected",
    [
        ([h for h in HEADERS if h != "纠纷简要情况"], "缺少必填列：“纠纷简要情况”"),
        (HEADERS + ["备注栏"], "不认识的列：“备注栏”"),
        (HEADERS + ["申请人"], "列“申请人”出现了两次"),
    ],
)
def test_header_errors(run, headers, expected):
    result = run(as_csv([row(1, "不予受理")], headers=headers))
    assert any(expected in e for e in result.file_errors), result.file_errors
    assert result.imported == 0 and not Case.objects.exists()


def test_header_tolerates_order_marks_and_a_serial_number_column(run):
    headers = ["序号"] + [f"{h}*" for h in reversed(HEADERS)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    data = row(1, "不予受理")
    writer.writerow(["1"] + [data.get(h, "") for h in reversed(HEADERS)])
    assert run(out.getvalue().encode("utf-8-sig")).ok


def test_empty_file(run):
    assert "空" in run(b"", dry_run=True).file_errors[0]
    assert "没有案件" in run(as_csv([]), dry_run=True).file_errors[0]


# --- who may import -----------------------------------------------------------------------
def test_only_the_committees_clerk_or_director(run, mediator, outsider, supervisor, admin_user):
    from core.errors import PermissionDenied

    for user in (mediator, outsider, supervisor, admin_user):
        with pytest.raises(PermissionDenied):
            run(as_csv([row(1)]), actor=user)


def test_template_lists_every_column(world):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(importing.template_xlsx()))
    assert [c.value for c in book[importing.SHEET][1]] == HEADERS
    notes = [r[0] for r in book["填写说明"].iter_rows(min_row=2, values_only=True)]
    assert notes[: len(HEADERS)] == HEADERS


# --- the command --------------------------------------------------------------------------
def test_command_dry_run_then_import(world, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(as_csv([row(1), row(2, "不予受理")]))
    call_command("import_cases", str(path), "--organization", "东村调委", "--dry-run")
    assert "2 行全部通过检查" in capsys.readouterr().out
    assert not Case.objects.exists()
    call_command("import_cases", str(path), "--organization", "东村调委", "--as", "clerk")
    assert "已导入 2 件" in capsys.readouterr().out
    assert Case.objects.count() == 2


def test_command_reports_bad_rows_and_fails(world, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(as_csv([row(1), row(2) | BAD[7]]))
    with pytest.raises(CommandError, match="1 行有误"):
        call_command("import_cases", str(path), "--organization", "东村调委")
    assert "第3行：" in capsys.readouterr().err
    assert not Case.objects.exists()


def test_command_refuses_someone_who_may_not_import(world, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(as_csv([row(1)]))
    with pytest.raises(CommandError, match="不是东村人民调解委员会的登记员或主任"):
        call_command("import_cases", str(path), "--organization", "东村调委", "--as", "mediator")
    with pytest.raises(CommandError, match="没有简称"):
        call_command("import_cases", str(path), "--organization", "无此调委")


def test_readme_documents_every_column():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for c in importing.COLUMNS:
        assert f"| {c.header} | {c.required} | {c.help} |" in readme, c.header


def test_identity_documents_by_type(run):
    """SPEC §11: the type column drives the check; blank infers it; the old header is read."""
    rows = [
        row(1)
        | {"申请人证件类型": "护照", "申请人证件号码": "E1234567", "申请人护照签发国": "USA"},
        row(2) | {"申请人证件类型": "无/不详", "申请人证件号码": ""},
        row(3) | {"申请人证件类型": "台湾居民来往大陆通行证", "申请人证件号码": "123"},
    ]
    result = run(as_csv(rows), dry_run=True)
    assert result.bad_rows == [4]
    assert "台湾居民来往大陆通行证号" in result.errors[0].messages[0]
    result = run(as_csv(rows[:2]))
    assert result.ok, result.errors
    applicants = (
        Party.objects.filter(role="applicant")
        .order_by("case_id")
        .values_list("id_type", "id_number", "id_country")
    )
    assert list(applicants) == [("passport", "E1234567", "USA"), ("none", "", "")]


def test_a_file_from_the_old_template_still_imports(run):
    old = [h.replace("证件号码", "身份证号") for h in HEADERS]
    data = row(5) | {"申请人身份证号": row(5)["申请人证件号码"]}
    result = run(
        as_csv([data], headers=[h for h in old if "证件类型" not in h and "签发国" not in h])
    )
    assert result.ok, result.errors
    assert Case.objects.get().parties.get(role="applicant").id_type == "resident_id"
