"""Input that means what it says, in the service layer (so the pages, the API and the import
agree): amounts as people write them, no past event dated in the future, terms without typed
numbers, birth date and gender from the resident ID, a registration repeated within minutes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from cases import identity
from cases.choices import ETHNIC_GROUPS, ethnicity_name
from core.errors import InvalidInput
from core.parsing import AmountError, clean_terms, parse_amount, strip_term_number
from tests.factories import id_number, party
from workflows import services

pytestmark = pytest.mark.django_db


# --- amounts ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1200", "1200.00"),
        ("1,200", "1200.00"),
        ("1，200", "1200.00"),
        ("1200元", "1200.00"),
        (" 1200.5 元 ", "1200.50"),
        ("¥3,000", "3000.00"),
        ("1.2万", "12000.00"),
        ("1.2万元", "12000.00"),
        ("1万", "10000.00"),
        ("一万", "10000.00"),
        ("一万二", "12000.00"),
        ("三千五百元", "3500.00"),
        ("一百零五", "105.00"),
        (1200, "1200.00"),
        (12.5, "12.50"),
        (Decimal("8000"), "8000.00"),
        ("0", "0.00"),
    ],
)
def test_amounts_as_people_write_them(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["abc", "万", "-5", "1.234", "1.2.3", "1e3", "12 万 3", True, []])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_nothing_typed_is_no_amount():
    assert parse_amount("") is None and parse_amount(None) is None and parse_amount("  ") is None


def test_the_service_message_names_the_field():
    with pytest.raises(InvalidInput) as caught:
        services.decimal_or_none("大约一些", "amount")
    assert caught.value.message == "协议金额无法识别：请填写数字，如 1200 或 1.2万"
    assert caught.value.fields == {"amount": ["协议金额无法识别：请填写数字，如 1200 或 1.2万"]}


def test_registration_reads_1_2_wan_as_twelve_thousand(register):
    assert register(amount_involved="1.2万元").amount_involved == Decimal("12000.00")


def test_registration_refuses_an_unreadable_amount(register):
    with pytest.raises(InvalidInput) as caught:
        register(amount_involved="很多钱")
    assert "涉及金额无法识别" in caught.value.message


def _agreement(case, mediator, **overrides):
    if not case.mediationsessions.exists():
        services.record_add(
            case,
            "session",
            actor=mediator,
            held_at=timezone.now(),
            place="调解室",
            attendees="双方",
            content="陈述",
        )
    data = {
        "kind": "written",
        "terms": ["支付五千元"],
        "performance_method": "转账",
        "performance_deadline": timezone.localdate() + dt.timedelta(days=30),
        "signatures_complete": True,
    }
    services.case_transition(case, "record_agreement", actor=mediator, **(data | overrides))
    return case.current_agreement


def test_an_agreement_of_1_wan_is_ten_thousand_never_one(register, walk, mediator):
    case = walk(register(), "mediation")
    assert _agreement(case, mediator, amount="1万").amount == Decimal("10000.00")


def test_an_unreadable_agreement_amount_is_refused_and_nothing_saved(register, walk, mediator):
    case = walk(register(), "mediation")
    with pytest.raises(InvalidInput) as caught:
        _agreement(case, mediator, amount="一万左右")
    assert caught.value.fields["amount"] == ["协议金额无法识别：请填写数字，如 1200 或 1.2万"]
    case.refresh_from_db()
    assert case.status == "mediation" and case.current_agreement is None


# --- agreement terms ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "一、甲方支付五千元",
        "1.甲方支付五千元",
        "1、甲方支付五千元",
        "1. 甲方支付五千元",
        "１．甲方支付五千元",
        "（一）甲方支付五千元",
        "(1)甲方支付五千元",
        "1）甲方支付五千元",
        "第一条 甲方支付五千元",
        "第1条：甲方支付五千元",
        "①甲方支付五千元",
        "  十、甲方支付五千元",
    ],
)
def test_a_typed_term_number_is_dropped(typed):
    assert strip_term_number(typed) == "甲方支付五千元"


@pytest.mark.parametrize(
    "term",
    ["1.2万元由乙方于月底前支付", "一次性支付五千元", "二〇二六年底前付清", "十日内修复围墙"],
)
def test_a_term_that_begins_with_a_number_of_its_own_is_kept(term):
    assert strip_term_number(term) == term


def test_clean_terms_from_text_or_list():
    assert clean_terms("一、甲方道歉\n\n二、乙方撤诉\n") == ["甲方道歉", "乙方撤诉"]
    assert clean_terms(["1.甲方道歉", " ", "2.乙方撤诉"]) == ["甲方道歉", "乙方撤诉"]


def test_the_service_saves_terms_without_typed_numbers(register, walk, mediator):
    case = walk(register(), "mediation")
    agreement = _agreement(case, mediator, terms=["一、甲方支付五千元", "2.乙方撤回起诉"])
    assert agreement.terms == ["甲方支付五千元", "乙方撤回起诉"]


# --- nothing that happened is in the future -----------------------------------------------
def test_a_future_dispute_date_is_refused(register):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        register(occurred_on=tomorrow)
    assert caught.value.message == "纠纷发生日期不能晚于今天。"
    assert "occurred_on" in caught.value.fields
    assert register(occurred_on=timezone.localdate()).occurred_on == timezone.localdate()


def test_a_future_birth_date_is_refused(register):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        register(
            parties=[
                party("applicant", 1, id_number="", birth_date=tomorrow),
                party("respondent", 2),
            ]
        )
    assert caught.value.message == "出生日期不能晚于今天。"


@pytest.mark.parametrize(
    ("kind", "stage", "field", "label", "extra"),
    [
        (
            "investigation",
            "investigation",
            "conducted_at",
            "调查时间",
            {"place": "村委会", "interviewee": "王某", "content": "了解情况"},
        ),
        (
            "session",
            "mediation",
            "held_at",
            "调解时间",
            {"place": "调解室", "attendees": "双方", "content": "陈述"},
        ),
        (
            "follow_up",
            "follow_up",
            "visited_at",
            "回访时间",
            {
                "method": "phone",
                "visitee": "王某",
                "performance": "performed",
                "satisfaction": "satisfied",
            },
        ),
    ],
)
def test_a_record_dated_in_the_future_is_refused(
    register, walk, mediator, kind, stage, field, label, extra
):
    case = walk(register(), stage)
    later = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(InvalidInput) as caught:
        services.record_add(case, kind, actor=mediator, **{field: later}, **extra)
    assert caught.value.message == f"{label}不能晚于现在。"
    assert caught.value.fields == {field: [f"{label}不能晚于现在。"]}
    # as ISO text (the import, a client) just the same
    with pytest.raises(InvalidInput):
        services.record_add(case, kind, actor=mediator, **{field: later.isoformat()}, **extra)
    # a clock a couple of minutes fast is not the future
    skewed = timezone.now() + dt.timedelta(minutes=2)
    record = services.record_add(case, kind, actor=mediator, **{field: skewed}, **extra)
    assert getattr(record, field) == skewed


def test_a_performance_deadline_may_be_in_the_future(register, walk, mediator):
    case = walk(register(), "mediation")
    later = timezone.localdate() + dt.timedelta(days=90)
    assert _agreement(case, mediator, performance_deadline=later).performance_deadline == later


# --- fewer keystrokes: what the resident ID says ------------------------------------------
def test_birth_date_and_gender_from_the_resident_id(register):
    woman = id_number(2, dt.date(1985, 3, 9))  # 17th digit 2: a woman
    man = id_number(7, dt.date(1960, 12, 1))
    case = register(
        parties=[
            party("applicant", 1, id_number=woman, birth_date=None, gender=""),
            party("respondent", 2, id_number=man, birth_date=None, gender=""),
        ]
    )
    got = {p.id_number: (p.birth_date, p.gender) for p in case.parties.all()}
    assert got[woman] == (dt.date(1985, 3, 9), "female")
    assert got[man] == (dt.date(1960, 12, 1), "male")


def test_what_the_clerk_typed_is_kept(register):
    number = id_number(2, dt.date(1985, 3, 9))
    case = register(
        parties=[
            party("applicant", 1, id_number=number, birth_date=dt.date(1985, 3, 10), gender="male"),
            party("respondent", 2),
        ]
    )
    applicant = case.parties.get(role="applicant")
    assert (applicant.birth_date, applicant.gender) == (dt.date(1985, 3, 10), "male")


def test_a_first_generation_number_and_no_number():
    assert identity.birth_and_gender("resident_id_15", "110105490501003") == (
        dt.date(1949, 5, 1),
        "male",
    )
    assert identity.birth_and_gender("passport", "E12345678") == (None, "")
    assert identity.birth_and_gender("none", "") == (None, "")


def test_the_56_ethnic_groups():
    assert len([g for g in ETHNIC_GROUPS if g.endswith("族")]) == 56
    assert ETHNIC_GROUPS[0] == "汉族" and "其他" in ETHNIC_GROUPS
    assert ethnicity_name("汉") == "汉族" and ethnicity_name("蒙古族") == "蒙古族"
    assert ethnicity_name("") == "" and ethnicity_name("火星族") is None


# --- the same registration twice within minutes -------------------------------------------
def test_a_repeated_registration_asks_first(register):
    first = register()
    with pytest.raises(services.DuplicateRegistration) as caught:
        register(confirm_duplicate=False)
    assert caught.value.code == "duplicate" and caught.value.http_status == 409
    assert caught.value.message == (
        f"您在 1 分钟前刚登记过相同的案件（案号{first.number}），确认要再登记一件吗？"
    )
    second = register(confirm_duplicate=True)
    assert second.pk != first.pk


def test_a_caller_that_does_not_ask_is_not_asked(register):
    """The import and the seed pass nothing: no question (the import has its own rule)."""
    assert register().pk != register().pk


def test_a_different_summary_or_party_is_a_new_case(register):
    register()
    register(summary="另一件事", confirm_duplicate=False)
    register(parties=[party("applicant", 3), party("respondent", 2)], confirm_duplicate=False)


def test_the_duplicate_check_reads_the_same_queries_however_many_cases_match(register, clerk):
    """A clerk typing one summary for every case (the load test does): the parties of the
    recent cases are read in one query, not one per case (it grew every registration's time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows.services.registration import find_duplicate

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert find_duplicate(clerk, "邻里纠纷", [party("applicant", 99)]) is None
        return len(captured)

    for n in range(2):
        register(summary="邻里纠纷", parties=[party("applicant", 10 + n)])
    few = queries()
    for n in range(6):
        register(summary="邻里纠纷", parties=[party("applicant", 20 + n)])
    assert queries() == few == 2


def test_minutes_are_counted_and_the_window_is_ten_minutes(register):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = register()
    with time_machine.travel(start + dt.timedelta(minutes=4), tick=False):
        with pytest.raises(services.DuplicateRegistration) as caught:
            register(confirm_duplicate=False)
        assert "您在 4 分钟前" in caught.value.message and first.number in caught.value.message
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        assert register(confirm_duplicate=False).pk != first.pk


def test_another_user_registering_the_same_is_not_asked(register, director):
    register()
    assert register(actor=director, confirm_duplicate=False)
