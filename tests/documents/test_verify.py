"""The public verification page /verify/<token>/ and GET /api/v1/verify/<token>/ (SPEC §5, §9)
tell the same story about the same document: found or not, code, case number, issue time,
SHA-256, superseded or not — and nothing personal."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from rest_framework.test import APIClient

from documents import renderer
from documents.models import Document
from documents.services import document_issue, documents_schedule

pytestmark = pytest.mark.django_db


def page_facts(client, token: str) -> dict | None:
    response = client.get(f"/verify/{token}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    text = response.content.decode()

    def by_id(name: str) -> str | None:
        found = re.search(rf'id="{name}"[^>]*>([^<]*)<', text)
        return html.unescape(found.group(1)).strip() if found else None

    verdict = re.search(r'id="verdict" data-superseded="(true|false)"', text).group(1)
    issued_at = re.search(r'id="issued-at" datetime="([^"]+)"', text).group(1)
    return {
        "valid": True,
        "code": by_id("code"),
        "case_number": by_id("case-number"),
        "lead_number": by_id("lead-number"),
        "issued_at": datetime.fromisoformat(issued_at),
        "sha256": by_id("sha256"),
        "superseded": verdict == "true",
    }


def api_facts(token: str) -> dict | None:
    response = APIClient().get(f"/api/v1/verify/{token}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    facts = response.json()
    return facts | {"issued_at": datetime.fromisoformat(facts["issued_at"])}


def test_page_and_api_agree(client, register, clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    first = Document.objects.get(case=case)
    with django_capture_on_commit_callbacks(execute=True):
        documents_schedule(case, [("APP", None)], actor=clerk)  # a corrected version
    second = Document.objects.get(case=case, version=2)
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "issued")

    for doc, superseded in ((first, True), (second, False)):
        page, api = page_facts(client, doc.token), api_facts(doc.token)
        assert page == api
        assert api == {
            "valid": True,
            "code": "APP",
            "case_number": case.number,
            "lead_number": None,
            "issued_at": doc.issued_at,
            "sha256": doc.sha256,
            "superseded": superseded,
        }
        body = client.get(f"/verify/{doc.token}/").content.decode()
        for party in case.parties.all():
            assert party.name not in body and party.id_number not in body


def test_page_and_api_both_deny_what_was_not_issued(client, register, monkeypatch):
    doc = register().documents.get()  # the on_commit render never ran: still pending
    assert doc.status == "pending"
    assert page_facts(client, doc.token) is None and api_facts(doc.token) is None
    monkeypatch.setattr(renderer, "render_document", lambda code, context: 1 / 0)
    assert document_issue(doc.pk).status == "failed"
    for token in (doc.token, "no-such-token"):
        assert page_facts(client, token) is None and api_facts(token) is None
