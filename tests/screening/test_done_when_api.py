"""Issue 15's "done when" (SPEC §13) through the API alone, each role with its own token: a grid
worker reports a lead referred by the court, with the court's reference and a photo; the clerk
converts it to a case that carries the lead's data, nothing retyped; the case runs to its end;
the court gets the 反馈函 (FBK) bearing its own reference number; the 排查 table of the month
counts the lead in its region's row, and 白水县's does not."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.api import api, url
from tests.screening.conftest import jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.real_pdf]  # the FBK's text is read back
REFERENCE = "（2026）鲁0281民诉前调1234号"
COURT = "青山县人民法院"
WHAT = "两户因排水沟堵塞争吵，法院诉前委派调解"
PEOPLE = [
    {"name": "王大明", "role": "applicant", "phone": "13811112222"},
    {"name": "李小红", "role": "respondent", "phone": ""},
]


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST as a request does: what it scheduled after commit (rendering documents) runs."""

    def post(client, path, body, expect, fmt="json"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, body, format=fmt)
        assert response.status_code == expect, response.content
        return response.json()

    return post


def test_a_court_referral_from_report_to_fbk_and_the_screening_table(
    world, send, grid, east_grid, clerk, mediator, director, supervisor, supervisor_city, tmp_path
):
    grid, clerk, mediator, director = api(grid), api(clerk), api(mediator), api(director)
    now = timezone.now().isoformat()

    # the grid worker reports the court's referral, with its reference, and a photo
    lead = send(
        grid,
        "/api/v1/leads/",
        {
            "region": east_grid.pk,
            "channel": "court",
            "sender": COURT,
            "sender_reference": REFERENCE,
            "found_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "place": "东村一组",
            "dispute_type": "neighbour",
            "description": WHAT,
            "people": PEOPLE,
        },
        201,
    )
    photo = SimpleUploadedFile("现场.jpg", jpeg(), content_type="image/jpeg")
    send(grid, f"/api/v1/leads/{lead['id']}/photos/", {"file": photo}, 201, fmt="multipart")
    assert len(grid.get(f"/api/v1/leads/{lead['id']}/").json()["photos"]) == 1

    # the clerk converts it: an empty body, the case takes everything from the lead
    converted = send(clerk, f"/api/v1/leads/{lead['id']}/transitions/to_case/", {}, 200)
    assert converted["status"] == "converted"
    pk = converted["case"]
    case = clerk.get(url("case", pk)).json()
    assert case["source"] == "court_referral" and case["organization"]["code"] == "东村调委"
    assert case["region"]["id"] == east_grid.pk
    assert case["dispute_type"]["code"] == "neighbour"
    assert case["summary"] == f"{WHAT}（地点：东村一组）"
    assert [(p["name"], p["role"]) for p in case["parties"]] == [
        ("王大明", "applicant"),
        ("李小红", "respondent"),
    ]
    assert case["parties"][0]["phone"] == "13811112222"

    # the case runs to its end: accepted, investigated, mediated, agreed, closure approved
    members = clerk.get(url("organization-members", world["east"].pk), {"role": "mediator"})
    mediator_id = next(m["id"] for m in members.json() if m["username"] == "mediator")
    send(clerk, url("case-transition", pk, "accept"), {"mediators": [mediator_id]}, 200)
    send(
        mediator,
        url("case-investigations", pk),
        {"conducted_at": now, "place": "村委会", "interviewee": "王大明", "content": "查看沟渠"},
        201,
    )
    send(mediator, url("case-transition", pk, "start_mediation"), {}, 200)
    send(
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
    send(
        mediator,
        url("case-transition", pk, "record_agreement"),
        {
            "kind": "written",
            "terms": ["李小红于十日内疏通排水沟"],
            "performance_method": "自行履行",
            "performance_deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "amount": "0",
            "signatures_complete": True,
        },
        200,
    )
    ended = send(director, url("case-transition", pk, "approve_closure"), {}, 200)
    assert ended["status"] == "follow_up" and ended["outcome"] == "agreement_written"

    # the court's 反馈函: listed with the case, issued, its PDF bearing the court's reference
    documents = clerk.get(url("case-documents", pk)).json()
    (fbk,) = [d for d in documents if d["code"] == "FBK"]
    assert fbk["status"] == "issued"
    pdf = clerk.get(fbk["pdf_url"])
    assert pdf.status_code == 200
    path = tmp_path / "fbk.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    assert REFERENCE in flat and COURT in flat and case["number"] in flat
    seen = grid.get(f"/api/v1/leads/{lead['id']}/").json()
    assert seen["feedback_sent_at"] is not None

    # the 排查 table of the month: the lead in 东村's row, reported, handled, handled well
    month = timezone.localdate().strftime("%Y-%m")
    table = api(supervisor).get(
        "/api/v1/stats/screening/", {"region": world["qingshan"].pk, "period": month}
    )
    assert table.status_code == 200, table.content
    table = table.json()
    rows = {r["name"]: r for r in table["by_child_region"]}
    for name in ("东村", "东镇小计"):
        assert (rows[name]["leads"], rows[name]["handled"], rows[name]["handled_success"]) == (
            1,
            1,
            1,
        )
    assert (table["leads"], table["handled"], table["handled_success"]) == (1, 1, 1)
    baishui = api(supervisor_city).get(
        "/api/v1/stats/screening/", {"region": world["baishui"].pk, "period": month}
    )
    assert baishui.json()["leads"] == 0
