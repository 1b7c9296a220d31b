"""The 反馈函 (FBK, SPEC §13) of a referred-in lead that ends WITHOUT a case: resolved on site,
referred onwards or closed, the lead itself gets the letter to its sender — the sender, their
reference, what happened to the lead, no case number — once, numbered from the lead's number;
the lead page, the lead API, the PDF download and /verify/ show it, each in its scope."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from documents import numbers, renderer
from documents.models import Document
from tests.api import api
from tests.documents.test_verify import api_facts, page_facts
from workflows import services as s

pytestmark = pytest.mark.django_db
REFERENCE = "（2026）鲁0281民诉前调1234号"
NOTE = "经调委会调解员现场劝说，两户同意共同清理排水沟，当场和好"


@pytest.fixture
def court_lead(report):
    found = timezone.localdate() - dt.timedelta(days=2)
    return report(
        channel="court", sender="青山县人民法院", sender_reference=REFERENCE, found_on=found
    )


@pytest.fixture
def issuing(django_capture_on_commit_callbacks):
    """Documents render when the block's transaction would commit (as after a request)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _fbk(lead) -> Document:
    return Document.objects.get(lead=lead, code="FBK")


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_resolved_on_site_issues_the_fbk_for_the_lead_once(court_lead, mediator, issuing):
    with issuing():
        s.lead_transition(court_lead, "resolve_on_site", actor=mediator, version=None, note=NOTE)
    court_lead.refresh_from_db()
    doc = _fbk(court_lead)
    assert doc.case is None and doc.lead == court_lead
    assert doc.status == "issued" and doc.file and doc.sha256
    assert doc.number == court_lead.number.replace("排字", "排反馈字")
    record = doc.context["record"]
    assert record["sender"] == "青山县人民法院"
    assert record["sender_reference"] == REFERENCE
    assert record["outcome"] == "就地化解"
    assert record["closing_reason"] == NOTE
    assert record["lead_number"] == court_lead.number
    assert record["pre_litigation"] is True
    assert doc.context["case"] == {}  # no case, no case number
    assert court_lead.feedback_sent_at is not None
    events = court_lead.events.filter(name="feedback")
    assert events.count() == 1
    assert events.get().data == {"document": "FBK", "number": doc.number, "outcome": "resolved"}
    assert Document.objects.filter(lead=court_lead).count() == 1


def test_referred_onwards_says_to_whom_and_why(report, clerk):
    lead = report(channel="police_110", sender="青山县公安局东村派出所", sender_reference="110-77")
    due = timezone.localdate() + dt.timedelta(days=5)
    s.lead_transition(
        lead,
        "refer",
        actor=clerk,
        version=None,
        receiver="court",
        reason="当事人已起诉",
        feedback_due=due,
    )
    record = _fbk(lead).context["record"]
    assert record["outcome"] == "移交（人民法院）"
    assert record["receiver"] == "人民法院"
    assert record["closing_reason"] == "当事人已起诉"
    assert record["sender"] == "青山县公安局东村派出所"
    lead.refresh_from_db()
    assert lead.feedback_sent_at is not None and lead.events.filter(name="feedback").count() == 1


def test_closed_as_no_dispute_with_the_note_after_watching(report, clerk):
    lead = report(channel="hotline_12345", sender="12345政务服务热线", sender_reference="GD-1")
    s.lead_transition(
        lead,
        "watch",
        actor=clerk,
        version=None,
        note="再观察",
        next_check_on=timezone.localdate() + dt.timedelta(days=3),
    )
    assert not Document.objects.filter(lead=lead).exists()  # still open: no letter yet
    lead.refresh_from_db()
    assert lead.feedback_sent_at is None
    s.lead_transition(lead, "close", actor=clerk, version=None, note="双方已自行和解，核实无纠纷")
    record = _fbk(lead).context["record"]
    assert record["outcome"] == "核实无纠纷"
    assert record["closing_reason"] == "双方已自行和解，核实无纠纷"
    assert lead.events.filter(name="feedback").count() == 1


def test_a_lead_without_a_sender_gets_no_letter(report, clerk):
    lead = report()  # a grid worker's own lead
    s.lead_transition(lead, "close", actor=clerk, version=None, note="核实无纠纷")
    assert not Document.objects.filter(lead=lead).exists()
    lead.refresh_from_db()
    assert lead.feedback_sent_at is None and not lead.events.filter(name="feedback").exists()


def test_a_failed_transition_issues_nothing(court_lead, mediator):
    from core.errors import PreconditionFailed

    with pytest.raises(PreconditionFailed):
        s.lead_transition(court_lead, "resolve_on_site", actor=mediator, version=None, note="")
    assert not Document.objects.filter(lead=court_lead).exists()
    court_lead.refresh_from_db()
    assert court_lead.feedback_sent_at is None


def test_exactly_one_owner(court_lead, mediator, register):
    s.lead_transition(court_lead, "resolve_on_site", actor=mediator, version=None, note=NOTE)
    doc = _fbk(court_lead)
    case = register()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(case=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(lead=None)


def test_lead_document_numbers():
    assert (
        numbers.lead_document_number("（2026）东村调委排字第0003号", "FBK")
        == "（2026）东村调委排反馈字第0003号"
    )
    assert numbers.lead_document_number("L-2026-3", "FBK") == "L-2026-3-反馈"
    with pytest.raises(ValueError):
        numbers.lead_document_number("（2026）东村调委排字第0003号", "AGR")


# --- where it shows, and to whom ----------------------------------------------------------


@pytest.fixture
def resolved(court_lead, mediator, issuing):
    with issuing():
        s.lead_transition(court_lead, "resolve_on_site", actor=mediator, version=None, note=NOTE)
    court_lead.refresh_from_db()
    return court_lead


def test_the_lead_page_lists_it_with_a_download_link(resolved, clerk, supervisor, grid, outsider):
    doc = _fbk(resolved)
    link = f"/cases/documents/{doc.pk}/pdf/"
    for user in (clerk, grid):  # the committee, and the grid worker who reported it
        page = _client(user).get(f"/screening/{resolved.pk}/").content.decode()
        assert 'id="lead-documents"' in page and doc.number in page and link in page
        assert "发出反馈函" in page  # the `feedback` event on the lead's timeline
        response = _client(user).get(link)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert (
            resolved.number in response["Content-Disposition"]
            or "filename" in (response["Content-Disposition"])
        )
    # a supervisor sees that it was issued, not the PDF (the people's names are in it)
    page = _client(supervisor).get(f"/screening/{resolved.pk}/").content.decode()
    assert doc.number in page and link not in page
    assert _client(supervisor).get(link).status_code == 403
    assert _client(outsider).get(link).status_code == 404
    assert _client(outsider).get(f"/screening/{resolved.pk}/").status_code == 404


def test_the_lead_api_lists_it(resolved, clerk, supervisor, outsider):
    doc = _fbk(resolved)
    data = api(clerk).get(f"/api/v1/leads/{resolved.pk}/").json()
    assert data["feedback_sent_at"] is not None
    (listed,) = data["documents"]
    assert listed["id"] == doc.pk and listed["code"] == "FBK"
    assert listed["title"] == "矛盾纠纷调处情况反馈函"
    assert listed["number"] == doc.number and listed["sha256"] == doc.sha256
    assert listed["verify_url"].endswith(f"/verify/{doc.token}/")
    pdf = api(clerk).get(listed["pdf_url"])
    assert pdf.status_code == 200
    masked = api(supervisor).get(f"/api/v1/leads/{resolved.pk}/").json()["documents"]
    assert masked[0]["pdf_url"] is None
    assert api(supervisor).get(f"/api/v1/documents/{doc.pk}/pdf/").status_code == 403
    assert api(outsider).get(f"/api/v1/documents/{doc.pk}/pdf/").status_code == 404
    assert api(outsider).get(f"/api/v1/leads/{resolved.pk}/").status_code == 404
    listing = api(clerk).get("/api/v1/leads/").json()["results"]
    assert [d["code"] for d in next(x for x in listing if x["id"] == resolved.pk)["documents"]] == [
        "FBK"
    ]


def test_verify_shows_the_lead_number_and_nothing_personal(resolved, client):
    doc = _fbk(resolved)
    page, answer = page_facts(client, doc.token), api_facts(doc.token)
    assert page == answer
    assert answer == {
        "valid": True,
        "code": "FBK",
        "case_number": None,
        "lead_number": resolved.number,
        "issued_at": doc.issued_at,
        "sha256": doc.sha256,
        "superseded": False,
    }
    body = client.get(f"/verify/{doc.token}/").content.decode()
    for person in resolved.people.all():
        assert person.name not in body
        assert not person.phone or person.phone not in body
    assert REFERENCE not in body and NOTE not in body


@pytest.mark.real_pdf
def test_the_pdf_says_sender_reference_and_outcome(court_lead, mediator, tmp_path):
    s.lead_transition(court_lead, "resolve_on_site", actor=mediator, version=None, note=NOTE)
    doc = _fbk(court_lead)
    result = renderer.render_document("FBK", doc.context)
    path = tmp_path / "fbk.pdf"
    path.write_bytes(result.pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    assert "矛盾纠纷调处情况反馈函" in flat
    assert "青山县人民法院" in flat
    assert REFERENCE in flat
    assert "就地化解" in flat and NOTE in flat
    assert doc.number in flat and court_lead.number in flat
    assert "案号" not in flat  # no case: no case number
    assert not result.missing_glyphs
