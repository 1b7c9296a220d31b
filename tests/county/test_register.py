"""The mediator register (SPEC §15): entering and updating, trainings, the assignment rule (an
unregistered or out-of-term mediator is refused with the reason; on once the county's register
is in use), the two alerts through the SLA sweep, and the import of an existing register."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import InvalidInput, NotFound, PermissionDenied, PreconditionFailed
from county import register
from county.models import MediatorRecord
from registers.mediators import COLUMNS, import_mediators, template_xlsx
from tests.factories import OrganizationFactory, UserFactory, id_number, member
from workflows import services as s
from workflows.models import Notification
from workflows.sweep import sla_sweep

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def entry(world, **overrides):
    data = {
        "name": "周新",
        "gender": "male",
        "birth_year": 1980,
        "id_type": "resident_id",
        "id_number": id_number(77, dt.date(1980, 2, 3)),
        "phone": "13900000077",
        "organizations": [world["east"].pk],
        "kind": "part_time",
        "grade": 3,
        "appointed_on": "2025-01-01",
        "term_ends_on": "2027-12-31",
        "filed": True,
    }
    return data | overrides


def test_director_enters_a_mediator_and_a_training(world, director):
    record = s.mediator_register(actor=director, **entry(world))
    assert record.organizations.get() == world["east"]
    training = s.training_add(
        record,
        actor=director,
        held_on="2026-05-06",
        topic="调解技巧",
        hours="6.5",
        organiser="县司法局",
    )
    assert register.training_hours(record, 2026) == Decimal("6.5") == training.hours
    s.mediator_update(record, actor=director, grade=2)
    record.refresh_from_db()
    assert record.grade == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", id_number(77, dt.date(1980, 2, 3))[:-1] + "Y", "身份证"),
        ("term_ends_on", "2024-12-31", "任期届满日期须晚于聘任日期"),
        ("grade", 7, "7"),
        ("kind", "volunteer", "volunteer"),
        ("appointed_on", "明年", "不是有效日期"),
    ],
)
def test_bad_entries_are_refused_in_chinese(world, director, field, value, message):
    with pytest.raises(InvalidInput) as refused:
        s.mediator_register(actor=director, **entry(world, **{field: value}))
    assert message in str(refused.value.message) + str(refused.value.fields)
    assert not MediatorRecord.objects.filter(name="周新").exists()


def test_scope_outsider_404_mediator_403(world, outsider, mediator, director):
    with pytest.raises(NotFound):
        s.mediator_register(actor=outsider, **entry(world))
    with pytest.raises(PermissionDenied):
        s.mediator_register(actor=mediator, **entry(world))
    record = s.mediator_register(actor=director, **entry(world))
    with pytest.raises(NotFound):
        s.training_add(
            record, actor=outsider, held_on="2026-01-02", topic="x", hours=1, organiser="y"
        )


def test_an_unregistered_mediator_is_refused_with_the_reason(world, register, clerk):
    newcomer = member(UserFactory(first_name="新人"), "mediator", organization=world["east"],
                      registered=False)  # fmt: skip
    case = register()
    with pytest.raises(PreconditionFailed) as refused:
        s.case_transition(case, "accept", actor=clerk, mediators=[newcomer.pk])
    assert "调解员新人未登记在本调委会的人民调解员名册中，不能指派" in refused.value.missing


def test_a_mediator_out_of_term_is_refused_on_accept_and_reassign(
    world, register, clerk, director, mediator, mediator2
):
    record = mediator2.mediator_record
    record.term_ends_on = dt.date(2026, 3, 1)
    record.save()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False):
        case = register()
        with pytest.raises(PreconditionFailed) as refused:
            s.case_transition(case, "accept", actor=clerk, mediators=[mediator2.pk])
        assert "调解员李调解的任期已于2026-03-01届满，不能指派" in refused.value.missing
        s.case_transition(case, "accept", actor=clerk, mediators=[mediator.pk])
        with pytest.raises(PreconditionFailed):
            s.case_reassign(case, actor=director, mediators=[mediator2.pk])
    with time_machine.travel(dt.datetime(2026, 2, 27, 9, 0, tzinfo=TZ), tick=False):
        s.case_reassign(case, actor=director, mediators=[mediator2.pk])  # still in term


def test_the_rule_is_off_until_the_county_loads_its_register(world, clerk):
    """Rollout: a county without any register entry assigns as before."""
    from cases.models import Region
    from workflows.services import case_register

    county = Region.objects.create(name="新县", level="county", parent=world["city"])
    village = Region.objects.create(name="新村", level="village", parent=county)
    org = OrganizationFactory(region=village)
    new_clerk = member(UserFactory(), "clerk", organization=org)
    someone = member(UserFactory(), "mediator", organization=org, registered=False)
    assert not register.register_in_use(org)
    from tests.factories import party

    case = case_register(
        actor=new_clerk, organization=org, region=village, dispute_type=world["neighbour"],
        source="application", summary="纠纷", parties=[party("applicant", 1), party("respondent", 2)],
    )  # fmt: skip
    s.case_transition(case, "accept", actor=new_clerk, mediators=[someone.pk])
    assert list(case.mediators.all()) == [someone]


def test_alerts_term_and_training_by_the_sweep(world, director, mediator2):
    record = mediator2.mediator_record  # demo: 8 hours this year, the minimum is 24
    record.term_ends_on = dt.date(2026, 11, 20)
    record.save()
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=TZ), tick=False):
        kinds = {a.kind for a in register.alerts_for(record, dt.date(2026, 10, 1))}
        assert kinds == set()  # 50 days before the term, 91 days before the year's end
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        alerts = register.alerts_for(record, dt.date(2026, 11, 2))
        assert {a.kind for a in alerts} == {"term", "training"}
        first = sla_sweep()
        assert first.register_alerts >= 2
        again = sla_sweep()
        assert again.register_alerts == 0  # once each
    messages = set(Notification.objects.filter(user=mediator2).values_list("message", flat=True))
    assert "【调解员名册】李调解的任期将于2026-11-20届满" in messages
    assert "【调解员名册】李调解2026年培训8.0学时，低于最低要求24.0学时" in messages
    assert Notification.objects.filter(user=director, message__contains="李调解的任期").exists()


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


ROW = ["马调解", "女", "1985", "居民身份证", id_number(88, dt.date(1985, 4, 5)), "13900000088",
       "东村调委", "兼职", "三级", "2025-01-01", "2027-12-31", "是", ""]  # fmt: skip


def test_import_all_or_nothing(world, director):
    bad = list(ROW)
    bad[8] = "五级"
    result = import_mediators(_csv([ROW, bad]), filename="名册.csv", actor=director, dry_run=False)
    assert not result.ok and result.bad_rows == [3]
    assert "等级：请填写一级、二级、三级或四级" in str(result.errors[0])
    assert not MediatorRecord.objects.filter(name="马调解").exists()
    dry = import_mediators(_csv([ROW]), filename="名册.csv", actor=director, dry_run=True)
    assert (
        dry.ok and dry.imported == 0 and not MediatorRecord.objects.filter(name="马调解").exists()
    )
    done = import_mediators(_csv([ROW]), filename="名册.csv", actor=director, dry_run=False)
    assert done.ok and done.imported == 1
    record = MediatorRecord.objects.get(name="马调解")
    assert (record.kind, record.grade, record.filed) == ("part_time", 3, True)


def test_import_xlsx_template_and_refusals(world, director, outsider):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_xlsx()))
    sheet = book.active
    sheet.cell(2, 5).value = ""
    sheet.cell(2, 4).value = ""
    sheet.cell(2, 13).value = ""  # the demo's 孙调解 has her entry already
    out = io.BytesIO()
    book.save(out)
    result = import_mediators(out.getvalue(), filename="名册.xlsx", actor=director, dry_run=False)
    assert result.ok, result.errors
    assert MediatorRecord.objects.filter(name="孙调解", id_type="none").exists()
    refused = import_mediators(_csv([ROW]), filename="名册.csv", actor=outsider, dry_run=False)
    assert not refused.ok and "调委会" in str(refused.errors[0])
    header = import_mediators(b"foo,bar\n1,2\n", filename="x.csv", actor=director, dry_run=True)
    assert any("缺少必填列" in e for e in header.file_errors)
    assert import_mediators(b"x", filename="x.pdf", actor=director, dry_run=True).file_errors
