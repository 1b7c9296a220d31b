"""The 反馈函 (FBK, SPEC §13): a referred-in lead (here a court's 诉前 referral) whose case ends
gets the letter to its sender with their reference, the outcome and the case number, once; the
lead tracks feedback due (30 days from found_on for a court) and sent."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case
from documents import renderer
from documents.models import Document
from tests.factories import walk_to
from workflows import services as s

pytestmark = pytest.mark.django_db
REFERENCE = "（2026）鲁0281民诉前调1234号"


@pytest.fixture
def court_lead(report):
    found = timezone.localdate() - dt.timedelta(days=2)
    return report(
        channel="court", sender="青山县人民法院", sender_reference=REFERENCE, found_on=found
    )


def _end_case(lead, clerk, mediator, director):
    s.lead_transition(lead, "to_case", actor=clerk, version=None)
    lead.refresh_from_db()
    Case.objects.filter(pk=lead.case_id).update(risk_reported_at=timezone.now())
    lead.case.refresh_from_db()
    walk_to(lead.case, "follow_up", clerk=clerk, mediator=mediator, director=director)
    lead.refresh_from_db()
    return lead.case


def test_court_referral_carries_its_30_day_term(court_lead, report, clerk):
    assert court_lead.feedback_due == court_lead.found_on + dt.timedelta(days=30)
    assert court_lead.expects_feedback and court_lead.feedback_sent_at is None
    assert report().feedback_due is None and not report().expects_feedback
    c = Client()
    c.force_login(clerk)
    data = c.get(f"/api/v1/leads/{court_lead.pk}/").json()
    assert data["feedback_due"] == court_lead.feedback_due.isoformat()
    assert data["feedback_sent_at"] is None
    page = c.get(f"/screening/{court_lead.pk}/").content.decode()
    assert "待反馈" in page and "诉前调解期限30日" in page


def test_the_case_ends_and_the_sender_gets_the_fbk_once(court_lead, clerk, mediator, director):
    case = _end_case(court_lead, clerk, mediator, director)
    docs = Document.objects.filter(case=case, code="FBK")
    assert docs.count() == 1
    record = docs.get().context["record"]
    assert record["sender"] == "青山县人民法院"
    assert record["sender_reference"] == REFERENCE
    assert record["pre_litigation"] is True
    assert record["outcome"] == case.get_outcome_display()
    assert court_lead.feedback_sent_at is not None
    assert court_lead.events.filter(name="feedback").count() == 1
    c = Client()
    c.force_login(clerk)
    data = c.get(f"/api/v1/leads/{court_lead.pk}/").json()
    assert data["feedback_sent_at"] is not None
    assert "已发出" in c.get(f"/screening/{court_lead.pk}/").content.decode()
    # archiving the case later issues no second letter
    s.record_add(
        case,
        "follow_up",
        actor=mediator,
        visited_at=timezone.now(),
        method="phone",
        visitee="王大明",
        performance="performed",
        satisfaction="satisfied",
    )
    s.case_transition(case, "archive", actor=clerk)
    assert Document.objects.filter(case=case, code="FBK").count() == 1


def test_a_lead_without_a_sender_gets_no_fbk(report, clerk, mediator, director):
    case = _end_case(report(), clerk, mediator, director)
    assert not Document.objects.filter(case=case, code="FBK").exists()


@pytest.mark.real_pdf
def test_the_fbk_renders_with_the_reference_outcome_and_case_number(
    court_lead, clerk, mediator, director, tmp_path
):
    case = _end_case(court_lead, clerk, mediator, director)
    doc = Document.objects.get(case=case, code="FBK")
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
    assert case.number in flat
    assert case.get_outcome_display() in flat
    assert "诉前调解" in flat and court_lead.number in flat
    assert not result.missing_glyphs
