"""A case from registration to archive through the API alone, documents and events checked at
every step, then every PDF downloaded and its SHA-256 compared with the listed one."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from tests.api import api, url
from tests.factories import party


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST and run what the request scheduled after commit (document rendering), as a
    production request does once its transaction commits."""

    def post(client, path, body, expect):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, body, format="json")
        assert response.status_code == expect, response.content
        return response.json()

    return post


def _codes(client, case_id) -> list[tuple[str, str]]:
    return [(d["code"], d["status"]) for d in client.get(url("case-documents", case_id)).json()]


def _events(client, case_id) -> list[str]:
    return [e["name"] for e in client.get(url("case-events", case_id)).json()]


def test_full_lifecycle(world, send, clerk, director, mediator):
    clerk, director, mediator = api(clerk), api(director), api(mediator)
    now = timezone.now().isoformat()

    case = send(
        clerk,
        url("cases"),
        {
            "organization": world["east"].pk,
            "region": world["east_village"].pk,
            "dispute_type": "neighbour",
            "source": "application",
            "summary": "排水沟堵塞",
            "parties": [party("applicant", 1), party("respondent", 2)],
        },
        201,
    )
    pk = case["id"]
    assert case["status"] == "intake"
    assert _codes(clerk, pk) == [("APP", "issued")]

    members = clerk.get(url("organization-members", world["east"].pk), {"role": "mediator"})
    mediator_id = next(m["id"] for m in members.json() if m["username"] == "mediator")
    case = send(clerk, url("case-transition", pk, "accept"), {"mediators": [mediator_id]}, 200)
    assert case["status"] == "investigation"
    assert case["mediators"] == [{"id": mediator_id, "username": "mediator", "name": "孙调解"}]
    assert _codes(clerk, pk)[1:] == [("REG", "issued"), ("NOT", "issued")]

    record = send(
        mediator,
        url("case-investigations", pk),
        {
            "conducted_at": now,
            "place": "村委会",
            "interviewee": "当事人app1",
            "content": "了解情况",
        },
        201,
    )
    assert record["interviewers"] == ["孙调解"]
    assert [d["code"] for d in record["documents"]] == ["INV"]

    case = send(mediator, url("case-transition", pk, "start_mediation"), {}, 200)
    assert case["status"] == "mediation"

    record = send(
        mediator,
        url("case-sessions", pk),
        {
            "held_at": now,
            "place": "调解室",
            "attendees": "双方",
            "content": "陈述",
            "result": "同意",
        },
        201,
    )
    assert record["mediator_names"] == ["孙调解"]

    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    case = send(
        mediator,
        url("case-transition", pk, "record_agreement"),
        {
            "kind": "written",
            "terms": ["被申请人疏通排水沟", "支付五千元"],
            "performance_method": "转账",
            "performance_deadline": deadline,
            "amount": "5000",
            "signatures_complete": True,
        },
        200,
    )
    assert case["status"] == "closure" and case["outcome"] == "agreement_written"
    assert case["agreement"]["terms"] == ["被申请人疏通排水沟", "支付五千元"]
    assert case["allowed_transitions"] == []  # approving is the director's

    case = send(director, url("case-transition", pk, "approve_closure"), {}, 200)
    assert case["status"] == "follow_up"

    send(
        mediator,
        url("case-follow-ups", pk),
        {
            "visited_at": now,
            "method": "phone",
            "visitee": "当事人app1",
            "performance": "performed",
            "satisfaction": "satisfied",
        },
        201,
    )
    case = send(clerk, url("case-transition", pk, "archive"), {}, 200)
    assert case["status"] == "archived" and case["allowed_transitions"] == []

    assert _codes(clerk, pk) == [
        (code, "issued") for code in ("APP", "REG", "NOT", "INV", "MED", "AGR", "CLS", "FUV", "DOS")
    ]
    assert _events(clerk, pk) == [
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
    statuses = [
        (e["from_status"], e["to_status"])
        for e in clerk.get(url("case-events", pk)).json()
        if e["transition"]
    ]
    assert statuses == [
        ("", "intake"),
        ("intake", "investigation"),
        ("investigation", "mediation"),
        ("mediation", "closure"),
        ("closure", "follow_up"),
        ("follow_up", "archived"),
    ]

    for doc in clerk.get(url("case-documents", pk)).json():
        response = clerk.get(doc["pdf_url"])
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == doc["sha256"]
        assert len(body) == doc["size"]
        token = doc["verify_url"].rstrip("/").rsplit("/", 1)[1]
        verified = api().get(url("verify", token)).json()
        assert verified["valid"] and verified["sha256"] == doc["sha256"]
