"""POST /cases/{id}/transitions/{name}/ and the record endpoints: each answer and each error."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case
from tests.api import api, error, url
from workflows import services


def _post(user, case, name, body=None, **extra):
    return api(user).post(url("case-transition", case.pk, name), body or {}, format="json", **extra)


# --- accept and the errors every transition shares ----------------------------------------
def test_accept(register, clerk, mediator):
    case = register()
    response = _post(clerk, case, "accept", {"mediators": [mediator.pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "investigation" and body["accepted_at"]
    assert [d["code"] for d in body["documents"]] == ["APP", "REG", "NOT"]
    assert body["version"] == case.version + 1
    assert case.events.last().ip == "127.0.0.1"


def test_accept_by_a_mediator_is_403(register, mediator):
    case = register()
    err = error(
        _post(mediator, case, "accept", {"mediators": [mediator.pk]}), 403, "permission_denied"
    )
    assert "受理" in err["message"]
    assert Case.objects.get(pk=case.pk).status == "intake"


def test_supervisor_may_not_transition(register, supervisor, mediator):
    case = register()
    error(_post(supervisor, case, "accept", {"mediators": [mediator.pk]}), 403, "permission_denied")
    error(_post(supervisor, case, "decline", {"reason": "x"}), 403, "permission_denied")


def test_outsider_404(register, outsider, mediator):
    case = register()
    error(_post(outsider, case, "accept", {"mediators": [mediator.pk]}), 404, "not_found")
    error(_post(outsider, case, "no_such_thing"), 404, "not_found")


def test_unknown_transition_404(register, clerk):
    error(_post(clerk, register(), "teleport"), 404, "not_found")


def test_transition_get_is_405(register, clerk):
    case = register()
    error(api(clerk).get(url("case-transition", case.pk, "accept")), 405, "method_not_allowed")


def test_accept_unmet_guard_lists_what_is_missing(register, clerk):
    err = error(_post(clerk, register(), "accept"), 400, "precondition_failed")
    assert err["fields"]["missing"] == ["至少指派一名调解员"]


def test_accept_a_mediator_of_another_committee_is_400(register, clerk, world):
    from django.contrib.auth import get_user_model

    other = get_user_model().objects.get(username="mediator_b")
    err = error(_post(clerk, register(), "accept", {"mediators": [other.pk]}), 400, "invalid")
    assert "mediators" in err["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"mediators": "mediator"},
        {"mediators": ["x"]},
        {"mediator": [1]},
    ],
)
def test_accept_bad_body_is_400(register, clerk, body):
    err = error(_post(clerk, register(), "accept", body), 400, "invalid")
    assert set(body) <= set(err["fields"])


def test_second_accept_is_409_invalid_state(register, clerk, mediator):
    case = register()
    assert _post(clerk, case, "accept", {"mediators": [mediator.pk]}).status_code == 200
    err = error(_post(clerk, case, "accept", {"mediators": [mediator.pk]}), 409, "invalid_state")
    assert "调查" in err["message"]


def test_stale_if_match_is_409_conflict(register, clerk, mediator):
    case = register()
    seen = api(clerk).get(url("case", case.pk)).json()["version"]
    services.case_reassess_risk(case, actor=clerk, factors=["petition_history"])
    response = _post(clerk, case, "accept", {"mediators": [mediator.pk]}, HTTP_IF_MATCH=f'"{seen}"')
    error(response, 409, "conflict")
    assert Case.objects.get(pk=case.pk).status == "intake"
    fresh = api(clerk).get(url("case", case.pk)).json()["version"]
    ok = _post(clerk, case, "accept", {"mediators": [mediator.pk]}, HTTP_IF_MATCH=f'"{fresh}"')
    assert ok.status_code == 200


def test_bad_if_match_is_400(register, clerk, mediator):
    response = _post(
        clerk, register(), "accept", {"mediators": [mediator.pk]}, HTTP_IF_MATCH="yesterday"
    )
    error(response, 400, "invalid")


def test_change_between_read_and_lock_is_409_conflict(
    register, clerk, director, mediator, monkeypatch
):
    """Another request commits after this one read the case but before the service locks it:
    the service sees the version moved and refuses; nothing is applied twice."""
    from api import views

    case = register()
    real = views.apply_if_match

    def meanwhile(request, loaded):
        other = Case.objects.get(pk=loaded.pk)
        services.case_transition(other, "decline", actor=director, reason="不属于调解范围")
        real(request, loaded)

    monkeypatch.setattr(views, "apply_if_match", meanwhile)
    error(_post(clerk, case, "accept", {"mediators": [mediator.pk]}), 409, "conflict")
    assert Case.objects.get(pk=case.pk).status == "closure"
    assert [e.name for e in case.events.all()] == ["register", "decline"]


# --- the other transitions ----------------------------------------------------------------
def test_decline(register, clerk):
    case = register()
    err = error(_post(clerk, case, "decline"), 400, "precondition_failed")
    assert err["fields"]["missing"] == ["不予受理的理由"]
    body = _post(clerk, case, "decline", {"reason": "不属于民间纠纷"}).json()
    assert (body["status"], body["outcome"]) == ("closure", "declined")
    assert body["closing_reason"] == "不属于民间纠纷"
    assert "DEC" in [d["code"] for d in body["documents"]]


def test_withdraw_by_the_clerk(register, clerk):
    body = _post(clerk, register(), "withdraw", {"party": "申请人", "reason": "已和解"}).json()
    assert (body["status"], body["outcome"], body["withdrawn_by"]) == (
        "closure",
        "withdrawn",
        "申请人",
    )


def test_start_mediation_needs_an_investigation(register, walk, mediator, mediator2):
    case = walk(register(), "investigation")
    error(_post(mediator2, case, "start_mediation"), 403, "permission_denied")
    err = error(_post(mediator, case, "start_mediation"), 400, "precondition_failed")
    assert err["fields"]["missing"] == ["至少一份调查记录"]


def test_record_failure(register, walk, mediator):
    case = walk(register(), "mediation")
    error(_post(mediator, case, "record_failure"), 400, "precondition_failed")
    body = _post(mediator, case, "record_failure", {"reason": "双方分歧过大"}).json()
    assert (body["status"], body["outcome"]) == ("closure", "failed")


def test_record_agreement_guards_and_shape(register, walk, mediator):
    case = walk(register(), "mediation")
    err = error(
        _post(mediator, case, "record_agreement", {"kind": "written"}), 400, "precondition_failed"
    )
    assert {"至少一份调解记录", "至少一条协议条款", "履行期限"} <= set(err["fields"]["missing"])
    err = error(
        _post(
            mediator, case, "record_agreement", {"kind": "spoken", "performance_deadline": "soon"}
        ),
        400,
        "invalid",
    )
    assert {"kind", "performance_deadline"} <= set(err["fields"])


def test_extend_deadline(register, walk, mediator):
    case = walk(register(), "mediation")
    err = error(
        _post(mediator, case, "extend_deadline", {"days": 45, "consent": True}),
        400,
        "precondition_failed",
    )
    assert any("30" in m for m in err["fields"]["missing"])
    before = Case.objects.get(pk=case.pk).deadline
    body = _post(
        mediator, case, "extend_deadline", {"days": 10, "consent": True, "reason": "双方同意"}
    ).json()
    assert body["status"] == "mediation" and body["extended_days"] == 10
    assert body["deadline"] == (before + dt.timedelta(days=10)).isoformat()
    assert "EXT" in [d["code"] for d in body["documents"]]


def test_approve_closure_is_the_directors(register, walk, clerk, director):
    case = walk(register(), "closure")
    error(_post(clerk, case, "approve_closure"), 403, "permission_denied")
    assert _post(director, case, "approve_closure").json()["status"] == "follow_up"


def test_reopen_after_a_broken_agreement(register, walk, director, mediator):
    case = walk(register(), "follow_up")
    err = error(_post(director, case, "reopen", {"reason": "未履行"}), 400, "precondition_failed")
    assert err["fields"]["missing"] == ["回访记录显示协议未履行或部分履行"]
    services.record_add(
        case,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="visit",
        visitee="当事人app1",
        performance="not_performed",
        satisfaction="unsatisfied",
    )
    body = _post(director, case, "reopen", {"reason": "被申请人未付款"}).json()
    assert body["status"] == "mediation" and body["outcome"] == ""


def test_archive_needs_a_follow_up(register, walk, clerk):
    case = walk(register(), "follow_up")
    err = error(_post(clerk, case, "archive"), 400, "precondition_failed")
    assert "至少一次回访记录" in err["fields"]["missing"]
    error(_post(clerk, case, "archive", {"force": True}), 400, "invalid")


# --- records ------------------------------------------------------------------------------
def _investigation():
    return {
        "conducted_at": timezone.now().isoformat(),
        "place": "村委会",
        "interviewee": "当事人app1",
        "content": "了解情况",
    }


def test_investigation(register, walk, mediator):
    case = walk(register(), "investigation")
    response = api(mediator).post(
        url("case-investigations", case.pk), _investigation(), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created_by"]["username"] == "mediator"
    [doc] = body["documents"]
    assert doc["code"] == "INV" and doc["status"] == "pending"
    assert case.events.last().name == "investigation_add"


def test_investigation_by_the_clerk_is_403(register, walk, clerk, supervisor):
    case = walk(register(), "investigation")
    for user in (clerk, supervisor):
        error(
            api(user).post(url("case-investigations", case.pk), _investigation(), format="json"),
            403,
            "permission_denied",
        )


def test_investigation_outsider_404(register, walk, outsider):
    case = walk(register(), "investigation")
    error(
        api(outsider).post(url("case-investigations", case.pk), _investigation(), format="json"),
        404,
        "not_found",
    )


def test_investigation_before_acceptance_is_403(register, mediator):
    case = register()
    # Mediators are assigned by acceptance: at intake nobody is "the assigned mediator".
    error(
        api(mediator).post(url("case-investigations", case.pk), _investigation(), format="json"),
        403,
        "permission_denied",
    )


def test_investigation_missing_fields_is_400(register, walk, mediator):
    case = walk(register(), "investigation")
    err = error(
        api(mediator).post(
            url("case-investigations", case.pk),
            {"place": "村委会", "conducted_at": "noon"},
            format="json",
        ),
        400,
        "invalid",
    )
    assert {"conducted_at", "interviewee", "content"} <= set(err["fields"])


def test_session_during_investigation_is_409(register, walk, mediator):
    case = walk(register(), "investigation")
    body = {
        "held_at": timezone.now().isoformat(),
        "place": "调解室",
        "attendees": "双方",
        "content": "陈述",
    }
    error(
        api(mediator).post(url("case-sessions", case.pk), body, format="json"), 409, "invalid_state"
    )


def test_session(register, walk, mediator):
    case = walk(register(), "mediation")
    body = {
        "held_at": timezone.now().isoformat(),
        "place": "调解室",
        "attendees": "双方",
        "content": "陈述",
        "facts_verified": "属实",
        "result": "同意",
    }
    response = api(mediator).post(url("case-sessions", case.pk), body, format="json")
    assert response.status_code == 201
    assert response.json()["documents"][0]["code"] == "MED"


def test_follow_up(register, walk, mediator, mediator2):
    case = walk(register(), "follow_up")
    body = {
        "visited_at": timezone.now().isoformat(),
        "method": "video",
        "visitee": "当事人app1",
        "performance": "partially_performed",
        "satisfaction": "basically_satisfied",
        "notes": "尚欠两千元",
    }
    error(
        api(mediator2).post(url("case-follow-ups", case.pk), body, format="json"),
        403,
        "permission_denied",
    )
    err = error(
        api(mediator).post(
            url("case-follow-ups", case.pk), body | {"method": "pigeon"}, format="json"
        ),
        400,
        "invalid",
    )
    assert list(err["fields"]) == ["method"]
    response = api(mediator).post(url("case-follow-ups", case.pk), body, format="json")
    assert response.status_code == 201
    assert response.json()["visitor"] == "孙调解"
    assert response.json()["documents"][0]["code"] == "FUV"


# --- found while fuzzing (tests/api/test_fuzz.py) -----------------------------------------
@pytest.mark.parametrize("header", ['"²"', '"1"2"', "W/", '"1234567890"'])
def test_if_match_must_be_ascii_digits(register, clerk, mediator, header):
    # "²".isdigit() is true and int("²") is not: this was a 500.
    response = _post(
        clerk, register(), "accept", {"mediators": [mediator.pk]}, HTTP_IF_MATCH=header
    )
    error(response, 400, "invalid")


def test_if_match_weak_form_is_accepted(register, clerk, mediator):
    case = register()
    response = _post(
        clerk, case, "accept", {"mediators": [mediator.pk]}, HTTP_IF_MATCH=f'W/"{case.version}"'
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T04:00:00+08:00",
        "1899-12-31T12:00:00+08:00",
        "2101-01-01T00:00:00+08:00",
    ],
)
def test_record_time_out_of_range_is_400(register, walk, clerk, mediator, moment):
    # A naive time in year 1 overflowed converting to UTC: this was a 500.
    case = walk(register(), "investigation")
    body = _investigation() | {"conducted_at": moment}
    response = api(mediator).post(url("case-investigations", case.pk), body, format="json")
    err = error(response, 400, "invalid")
    assert "conducted_at" in err["fields"]
