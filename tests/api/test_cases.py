"""GET/POST /cases/, GET /cases/{id}/, /documents/ and /events/ of a case."""

import datetime as dt

import pytest
import time_machine

from cases.models import Case, DisputeType
from tests.api import api, error, url
from tests.factories import party


def _body(world, **overrides) -> dict:
    data = {
        "organization": world["east"].pk,
        "region": world["east_village"].pk,
        "dispute_type": "neighbour",
        "source": "application",
        "summary": "排水沟堵塞",
        "requests": "疏通排水沟",
        "amount_involved": "3000.00",
        "occurred_on": "2026-03-01",
        "parties": [party("applicant", 1), party("respondent", 2)],
        "risk_factors": ["petition_history"],
    }
    return data | overrides


# --- POST /cases/ -------------------------------------------------------------------------
def test_register(clerk, world):
    response = api(clerk).post(url("cases"), _body(world), format="json")
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["status"] == "intake" and case["number"].startswith("（")
    assert response["Location"].endswith(f"/api/v1/cases/{case['id']}/")
    assert case["dispute_type"] == {"code": "neighbour", "name": "邻里"}
    assert case["amount_involved"] == "3000.00"
    assert [d["code"] for d in case["documents"]] == ["APP"]
    assert case["risk"]["factors"] == ["petition_history"]
    assert case["risk"]["reasons"][0]["factor"] == "petition_history"
    assert {p["role"] for p in case["parties"]} == {"applicant", "respondent"}
    assert set(case["allowed_transitions"]) == {"accept", "decline", "withdraw"}
    event = Case.objects.get(pk=case["id"]).events.get()
    assert event.name == "register" and event.actor == clerk and event.ip == "127.0.0.1"


def test_register_unknown_dispute_type_is_400(clerk, world):
    err = error(
        api(clerk).post(url("cases"), _body(world, dispute_type="duel"), format="json"),
        400,
        "invalid",
    )
    assert "dispute_type" in err["fields"]


def test_register_old_taxonomy_code_is_400(clerk, world):
    from cases.models import DisputeTaxonomy

    old = DisputeTaxonomy.objects.create(version=0, name="旧", effective_from=dt.date(2020, 1, 1))
    DisputeType.objects.create(taxonomy=old, code="feud", name="旧类型")
    error(
        api(clerk).post(url("cases"), _body(world, dispute_type="feud"), format="json"),
        400,
        "invalid",
    )


def test_register_region_outside_scope_is_400(clerk, world):
    body = _body(world, region=world["west_village"].pk)
    err = error(api(clerk).post(url("cases"), body, format="json"), 400, "invalid")
    assert "region" in err["fields"]


def test_register_organization_outside_scope_is_404(clerk, world):
    body = _body(world, organization=world["west"].pk)
    error(api(clerk).post(url("cases"), body, format="json"), 404, "not_found")


def test_register_wrong_role_is_403(mediator, world):
    error(api(mediator).post(url("cases"), _body(world), format="json"), 403, "permission_denied")


def test_register_unmet_guard_lists_everything_missing(clerk, world):
    body = _body(world, summary="", parties=[party("respondent", 2)])
    body.pop("dispute_type")
    err = error(api(clerk).post(url("cases"), body, format="json"), 400, "precondition_failed")
    assert err["fields"]["missing"] == ["纠纷类型", "纠纷简要情况", "至少一名申请人"]


def test_register_bad_party_points_at_the_party(clerk, world):
    good_id = party("respondent", 2)["id_number"]
    wrong_check_digit = good_id[:-1] + ("1" if good_id[-1] != "1" else "2")
    bad = party("respondent", 2, id_number=wrong_check_digit, phone="12")
    body = _body(world, parties=[party("applicant", 1), bad])
    err = error(api(clerk).post(url("cases"), body, format="json"), 400, "invalid")
    assert set(err["fields"]["parties"]["1"]) == {"id_number", "phone"}
    assert err["message"].startswith("parties[1].")
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"source": "rumour"},
        {"amount_involved": "lots"},
        {"occurred_on": "yesterday"},
        {"risk_factors": ["overdue"]},
        {"surprise": 1},
        {"organization": "east"},
        {"parties": [{"role": "applicant", "name": "甲", "shoe_size": 42}]},
    ],
)
def test_register_shape_errors_are_400(clerk, world, change):
    err = error(api(clerk).post(url("cases"), _body(world) | change, format="json"), 400, "invalid")
    assert set(change) & set(err["fields"])
    assert not Case.objects.exists()


# --- GET /cases/{id}/ ---------------------------------------------------------------------
def test_detail_for_the_committee_is_unmasked(register, clerk):
    case = register()
    body = api(clerk).get(url("case", case.pk)).json()
    applicant = next(p for p in body["parties"] if p["role"] == "applicant")
    assert applicant["id_number"] == party("applicant", 1)["id_number"]
    assert applicant["phone"] == "13700000001"
    assert body["version"] == case.version


def test_detail_for_a_supervisor_is_masked(register, supervisor, supervisor_city):
    case = register()
    for viewer in (supervisor, supervisor_city):
        body = api(viewer).get(url("case", case.pk)).json()
        applicant = next(p for p in body["parties"] if p["role"] == "applicant")
        full_id = party("applicant", 1)["id_number"]
        assert applicant["id_number"] == "*" * 14 + full_id[-4:]
        assert applicant["phone"] == "*******0001"
        assert body["allowed_transitions"] == []
        assert all(d["pdf_url"] is None for d in body["documents"])


def test_detail_outsider_404(register, outsider):
    case = register()
    error(api(outsider).get(url("case", case.pk)), 404, "not_found")
    error(api(outsider).get(url("case", 987654)), 404, "not_found")


def test_detail_allowed_transitions_follow_the_user(
    register, walk, clerk, director, mediator, mediator2
):
    case = walk(register(), "mediation")
    assert api(mediator).get(url("case", case.pk)).json()["allowed_transitions"] == [
        "record_agreement",
        "record_failure",
        "withdraw",
        "extend_deadline",
    ]
    assert api(mediator2).get(url("case", case.pk)).json()["allowed_transitions"] == []
    assert api(clerk).get(url("case", case.pk)).json()["allowed_transitions"] == ["withdraw"]


def test_detail_deadline_and_overdue(register, clerk):
    case = register()
    with time_machine.travel(case.deadline + dt.timedelta(days=1)):
        body = api(clerk).get(url("case", case.pk)).json()
    assert body["deadline"] == case.deadline.isoformat()
    assert body["overdue"] is True and body["deadline_state"] == "overdue"
    assert api(clerk).get(url("case", case.pk)).json()["overdue"] is False


# --- GET /cases/ --------------------------------------------------------------------------
def _numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {c["number"] for c in response.json()["results"]}


def test_list_is_scoped(register, clerk, supervisor, supervisor_city, outsider):
    case = register()
    for viewer in (clerk, supervisor, supervisor_city):
        assert _numbers(api(viewer).get(url("cases"))) == {case.number}
    body = api(outsider).get(url("cases")).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_filters(register, walk, clerk, world):
    intake = register()
    moving = walk(register(), "mediation")
    risky = register(risk_factors=["violence_threat", "self_harm_threat"])
    api_ = api(clerk)
    assert _numbers(api_.get(url("cases"), {"status": "mediation"})) == {moving.number}
    assert _numbers(api_.get(url("cases"), {"risk": "critical"})) == {risky.number}
    assert _numbers(api_.get(url("cases"), {"dispute_type": "contract"})) == set()
    assert len(_numbers(api_.get(url("cases"), {"dispute_type": "neighbour"}))) == 3
    assert len(_numbers(api_.get(url("cases"), {"region": world["qingshan"].pk}))) == 3
    assert _numbers(api_.get(url("cases"), {"region": world["baishui"].pk})) == set()
    with time_machine.travel(intake.deadline + dt.timedelta(days=1)):
        overdue = _numbers(api_.get(url("cases"), {"overdue": "true"}))
        on_time = _numbers(api_.get(url("cases"), {"overdue": "false"}))
    assert intake.number in overdue and moving.number in on_time
    assert overdue.isdisjoint(on_time)
    # absent: no filter; present but empty or not a yes/no: refused, not silently ignored
    for bad in ("", "maybe"):
        refused = api_.get(url("cases"), {"overdue": bad})
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["fields"]["overdue"] == ["须为 true 或 false。"]


def test_list_search(register, clerk, supervisor):
    one = register()
    two = register(
        parties=[party("applicant", 7, name="王小明", phone="13812345678"), party("respondent", 8)]
    )
    assert _numbers(api(clerk).get(url("cases"), {"q": one.number})) == {one.number}
    assert _numbers(api(clerk).get(url("cases"), {"q": "小明"})) == {two.number}
    assert _numbers(api(clerk).get(url("cases"), {"q": "13812345678"})) == {two.number}
    # A supervisor sees the phone masked, so must not be able to confirm it by searching.
    assert _numbers(api(supervisor).get(url("cases"), {"q": "13812345678"})) == set()
    assert _numbers(api(supervisor).get(url("cases"), {"q": "小明"})) == {two.number}


def test_search_by_name_matches_characters_in_order_any_case(register, clerk):
    """The name search (on PostgreSQL through the index of each name's characters): one
    character, repeated characters, characters present but in another order, Latin letters in
    another case."""
    wang = register(parties=[party("applicant", 7, name="王小明"), party("respondent", 8)])
    firm = register(parties=[party("applicant", 9, name="Abc商贸公司"), party("respondent", 10)])
    zhang = register(parties=[party("applicant", 11, name="张张"), party("respondent", 12)])

    def found(q):
        return _numbers(api(clerk).get(url("cases"), {"q": q})) & {
            wang.number,
            firm.number,
            zhang.number,
        }

    assert found("王") == {wang.number}
    assert found("明小") == set()  # every character, not in that order
    assert found("aBC") == {firm.number}
    assert found("张张") == {zhang.number} and found("张张张") == set()
    assert found("商贸公司") == {firm.number}


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"risk": "extreme"},
        {"region": "east"},
        {"region": 999999},
        {"dispute_type": "duel"},
        {"overdue": "maybe"},
        {"colour": "red"},
    ],
)
def test_list_bad_filter_is_400(clerk, query):
    err = error(api(clerk).get(url("cases"), query), 400, "invalid")
    assert set(query) <= set(err["fields"])


def test_list_page_size_is_capped(register, clerk, settings):
    for _ in range(3):
        register()
    body = api(clerk).get(url("cases"), {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    error(api(clerk).get(url("cases"), {"page_size": 101}), 400, "invalid")
    error(api(clerk).get(url("cases"), {"page": 9}), 404, "not_found")


def test_list_costs_a_constant_number_of_queries(
    register, walk, clerk, supervisor, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walk(register(), "mediation")
    client = api(supervisor)
    client.get(url("me"))  # the token's first use writes last_used_at (then once a minute)
    with CaptureQueriesContext(connection) as few:
        client.get(url("cases"), {"q": "当事人"})
    for _ in range(12):
        register()
    # 10, and the count's cache miss: 6 more with the database cache (the default: a read; the
    # write is a count, savepoint, select, insert, release), none with Redis.
    with django_assert_max_num_queries(16):
        body = client.get(url("cases"), {"q": "当事人", "overdue": "false"}).json()
    assert body["count"] == 13
    with CaptureQueriesContext(connection) as many:
        client.get(url("cases"), {"q": "当事人"})
    assert len(many) == len(few)


def test_detail_costs_a_bounded_number_of_queries(
    register, walk, clerk, mediator, django_assert_max_num_queries
):
    case = walk(register(), "follow_up")
    client = api(mediator)
    client.get(url("me"))  # the token's first use writes last_used_at (then once a minute)
    # 10, and the INSERT of the personal-data access record (SPEC §11).
    with django_assert_max_num_queries(11):
        assert client.get(url("case", case.pk)).status_code == 200


# --- GET /cases/{id}/documents/ and /events/ ----------------------------------------------
def test_documents_list(register, clerk):
    case = register()
    [doc] = api(clerk).get(url("case-documents", case.pk)).json()
    assert doc["code"] == "APP" and doc["status"] == "pending" and doc["version"] == 1
    assert doc["pdf_url"] is None and doc["verify_url"] is None
    assert set(doc) == {
        "id",
        "code",
        "title",
        "version",
        "number",
        "status",
        "sha256",
        "size",
        "issued_at",
        "superseded",
        "pdf_url",
        "verify_url",
    }


def test_documents_and_events_outsider_404(register, outsider):
    case = register()
    error(api(outsider).get(url("case-documents", case.pk)), 404, "not_found")
    error(api(outsider).get(url("case-events", case.pk)), 404, "not_found")


def test_events_list(register, walk, clerk, supervisor, mediator):
    case = walk(register(), "investigation")
    events = api(supervisor).get(url("case-events", case.pk)).json()
    assert [e["name"] for e in events] == ["register", "accept"]
    accept = events[1]
    assert accept["kind"] == "transition" and accept["transition"] == "accept"
    assert accept["from_status"] == "intake" and accept["to_status"] == "investigation"
    assert accept["actor"] == {"id": clerk.pk, "username": "clerk", "name": "赵登记"}
    assert accept["data"]["changes"]["mediators"] == [[], [mediator.pk]]
    assert "ip" not in accept


def test_list_count_follows_every_change(clerk, register, world):
    """The count is cached per query and latest event (api.pagination): a new case, or a
    transition that takes a case out of a filter, shows at once."""
    client = api(clerk)
    assert client.get(url("cases")).json()["count"] == 0
    case = register()
    assert client.get(url("cases")).json()["count"] == 1
    assert client.get(url("cases"), {"status": "intake"}).json()["count"] == 1
    from workflows.services import case_transition

    case_transition(case, "decline", actor=clerk, reason="不属于受理范围")
    assert client.get(url("cases"), {"status": "intake"}).json()["count"] == 0
    assert client.get(url("cases")).json()["count"] == 1
