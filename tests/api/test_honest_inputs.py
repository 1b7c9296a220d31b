"""The API's side of "input that means what it says": the same amount parser, the same refusal
of future dates, terms saved without typed numbers, the ethnic group names, and 409
`duplicate` for a registration sent twice unless `confirm_duplicate`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case
from tests.api import api, error, url
from tests.factories import id_number, party

pytestmark = pytest.mark.django_db

AMOUNT_MESSAGE = "协议金额无法识别：请填写数字，如 1200 或 1.2万"


def _body(world, **overrides) -> dict:
    data = {
        "organization": world["east"].pk,
        "region": world["east_village"].pk,
        "dispute_type": "neighbour",
        "source": "application",
        "summary": "排水沟堵塞",
        "parties": [party("applicant", 1), party("respondent", 2)],
    }
    return data | overrides


def _register(user, world, **overrides):
    return api(user).post(url("cases"), _body(world, **overrides), format="json")


# --- amounts ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "saved"),
    [(3000, "3000.00"), (12.5, "12.50"), ("3000.00", "3000.00"), ("1.2万", "12000.00")],
)
def test_amount_involved_number_or_text(clerk, world, sent, saved):
    r = _register(clerk, world, amount_involved=sent)
    assert r.status_code == 201, r.content
    assert r.json()["amount_involved"] == saved


@pytest.mark.parametrize("sent", ["很多", True, [1], -5, "1.234"])
def test_an_unreadable_amount_is_400_naming_the_field(clerk, world, sent):
    body = error(_register(clerk, world, amount_involved=sent), 400, "invalid")
    assert "amount_involved" in body["fields"]
    assert not Case.objects.exists()


def test_null_and_blank_amount_are_no_amount(clerk, world):
    assert _register(clerk, world, amount_involved=None).json()["amount_involved"] is None


def _agree(user, case, **overrides):
    body = {
        "kind": "written",
        "terms": ["一、甲方支付一万元", "2.乙方撤回起诉"],
        "performance_method": "转账",
        "performance_deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "amount": "1万",
        "signatures_complete": True,
    } | overrides
    return api(user).post(url("case-transition", case.pk, "record_agreement"), body, format="json")


def test_agreement_amount_and_terms(register, walk, mediator):
    case = walk(register(), "session_held")
    r = _agree(mediator, case)
    assert r.status_code == 200, r.content
    agreement = r.json()["agreement"]
    assert agreement["amount"] == "10000.00"  # never 1.00
    assert agreement["terms"] == ["甲方支付一万元", "乙方撤回起诉"]


def test_agreement_amount_unreadable_is_400(register, walk, mediator):
    case = walk(register(), "session_held")
    body = error(_agree(mediator, case, amount="一万多"), 400, "invalid")
    assert body["fields"]["amount"] == [AMOUNT_MESSAGE]
    assert body["message"] == f"amount: {AMOUNT_MESSAGE}"


# --- nothing that happened is in the future -----------------------------------------------
def test_future_dispute_date_is_400(clerk, world):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = error(_register(clerk, world, occurred_on=tomorrow), 400, "invalid")
    assert body["fields"]["occurred_on"] == ["纠纷发生日期不能晚于今天。"]


def test_future_birth_date_is_400_at_the_party(clerk, world):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    parties = [party("applicant", 1, birth_date=tomorrow), party("respondent", 2)]
    body = error(_register(clerk, world, parties=parties), 400, "invalid")
    assert "出生日期不能晚于今天。" in str(body["fields"]["parties"])


def test_future_follow_up_visit_is_400(register, walk, mediator):
    case = walk(register(), "follow_up")
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    r = api(mediator).post(
        url("case-follow-ups", case.pk),
        {
            "visited_at": later,
            "method": "phone",
            "visitee": "王某",
            "performance": "performed",
            "satisfaction": "satisfied",
        },
        format="json",
    )
    body = error(r, 400, "invalid")
    assert body["fields"] == {"visited_at": ["回访时间不能晚于现在。"]}


def test_future_session_is_400(register, walk, mediator):
    case = walk(register(), "mediation")
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    r = api(mediator).post(
        url("case-sessions", case.pk),
        {"held_at": later, "place": "调解室", "attendees": "双方", "content": "陈述"},
        format="json",
    )
    assert error(r, 400, "invalid")["fields"] == {"held_at": ["调解时间不能晚于现在。"]}


# --- fewer keystrokes ---------------------------------------------------------------------
def test_birth_date_and_gender_from_the_id_number(clerk, world):
    number = id_number(6, dt.date(1991, 2, 3))
    applicant = party("applicant", 1, id_number=number)
    del applicant["birth_date"], applicant["gender"]
    r = _register(clerk, world, parties=[applicant, party("respondent", 2)])
    assert r.status_code == 201, r.content
    got = next(p for p in r.json()["parties"] if p["role"] == "applicant")
    assert (got["birth_date"], got["gender"]) == ("1991-02-03", "female")


def test_ethnicity_names(clerk, world):
    parties = [party("applicant", 1, ethnicity="回"), party("respondent", 2, ethnicity="")]
    r = _register(clerk, world, parties=parties)
    assert r.status_code == 201, r.content
    assert {p["ethnicity"] for p in r.json()["parties"]} == {"回族", ""}
    parties = [party("applicant", 1, ethnicity="火星族"), party("respondent", 2)]
    body = error(_register(clerk, world, parties=parties, summary="另一件"), 400, "invalid")
    assert "未知的民族" in str(body["fields"])


# --- a registration sent twice ------------------------------------------------------------
def test_a_second_identical_registration_is_409_duplicate(clerk, world):
    first = _register(clerk, world)
    assert first.status_code == 201
    body = error(_register(clerk, world), 409, "duplicate")
    assert body["message"] == (
        f"您在 1 分钟前刚登记过相同的案件（案号{first.json()['number']}），确认要再登记一件吗？"
    )
    assert "confirm_duplicate" in body["fields"]
    assert Case.objects.count() == 1
    assert _register(clerk, world, confirm_duplicate=True).status_code == 201
    assert Case.objects.count() == 2


def test_confirm_duplicate_is_in_the_schema(clerk):
    schema = api(clerk).get("/api/schema/", {"format": "json"}).json()
    create = schema["components"]["schemas"]["CaseCreateRequest"]["properties"]
    assert create["confirm_duplicate"]["type"] == "boolean"
    responses = schema["paths"]["/api/v1/cases/"]["post"]["responses"]
    assert "409" in responses
