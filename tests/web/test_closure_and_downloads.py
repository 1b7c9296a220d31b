"""The director's 结案审批 page shows what is approved; downloads are named by case and
document (RFC 5987 filename* with an ASCII fallback)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.urls import reverse

from documents.models import Document
from web.downloads import content_disposition
from workflows import flows

pytestmark = pytest.mark.django_db


@pytest.fixture
def closure_case(register, walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "closure")
    case.refresh_from_db()
    return case


def test_approval_task_page_shows_outcome_terms_records_and_pdfs(client, closure_case, director):
    task = flows.open_task(closure_case)
    assert flows.node_name(task) == "approve_closure"
    client.force_login(director)
    response = client.get(reverse("workflows:task", args=[task.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    review = html.split('id="closure-review"')[1]
    assert "书面协议" in review.split('id="review-outcome"')[1].split("</dd>")[0]
    agreement = review.split('id="review-agreement"')[1]
    assert "支付五千元" in agreement and "转账" in agreement and "5000" in agreement
    records = review.split('id="review-records"')[1]
    assert "了解情况" in records and "调解室" in records
    documents = review.split('id="review-documents"')[1].split("</ul>")[0]
    agr = Document.objects.get(case=closure_case, code="AGR", status="issued")
    assert reverse("cases:document-pdf", args=[agr.pk]) in documents and "调解协议书" in documents
    assert 'data-action="approve_closure"' in html
    assert " style=" not in html


def test_other_task_pages_have_no_review(client, register, clerk):
    case = register()
    client.force_login(clerk)
    html = client.get(reverse("workflows:task", args=[flows.open_task(case).pk])).content.decode()
    assert 'id="closure-review"' not in html


def test_document_download_is_named_by_case_number_and_title(client, closure_case, director):
    agr = Document.objects.get(case=closure_case, code="AGR", status="issued")
    client.force_login(director)
    response = client.get(reverse("cases:document-pdf", args=[agr.pk]))
    assert response.status_code == 200
    header = response["Content-Disposition"]
    ascii_part, _sep, utf8_part = header.partition("; filename*=UTF-8''")
    assert unquote(utf8_part) == f"{closure_case.number}-人民调解协议书.pdf"
    assert closure_case.number.startswith("（2026）东村调委人调字第")
    seq = closure_case.number.split("第")[1].rstrip("号")
    assert ascii_part == f'inline; filename="2026-{seq}-AGR.pdf"'
    assert header.isascii()


def test_dossier_download_name(client, register, walk, clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "archived")
    dossier = Document.objects.get(case=case, code="DOS", status="issued")
    client.force_login(clerk)
    header = client.get(reverse("cases:document-pdf", args=[dossier.pk]))["Content-Disposition"]
    assert unquote(header.split("filename*=UTF-8''")[1]) == f"{case.number}-人民调解卷宗.pdf"


def test_content_disposition_escapes_what_a_file_name_cannot_hold():
    header = content_disposition('a"b/c-协议.pdf', 'a"b/c.pdf', attachment=True)
    assert header.startswith("attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''")
    assert unquote(header.split("''")[1]) == "a_b_c-协议.pdf"
