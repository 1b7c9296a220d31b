"""Issuing (SPEC §5): pending → issued with the SHA-256 of the stored bytes; a failed render
leaves a visible failed row and a consistent case; retry issues it; corrections version."""

from __future__ import annotations

import hashlib

import pytest

from core.errors import NotFound
from documents import renderer
from documents.completeness import completeness
from documents.models import Document
from documents.services import document_issue, document_retry

pytestmark = pytest.mark.django_db


def test_issued_hash_matches_stored_bytes(register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    doc = Document.objects.get(case=case)
    assert doc.status == "issued" and doc.issued_at is not None
    stored = doc.file.read()
    assert hashlib.sha256(stored).hexdigest() == doc.sha256 and doc.size == len(stored)
    assert doc.context["case"]["number"] == case.number
    assert doc.context["document"]["verify_url"].endswith(f"/verify/{doc.token}/")


def test_failed_render_is_visible_and_retryable(
    register, clerk, monkeypatch, django_capture_on_commit_callbacks
):
    def boom(code, context):
        raise RuntimeError("字体缺失")

    good = renderer.render_document
    monkeypatch.setattr(renderer, "render_document", boom)
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    doc = Document.objects.get(case=case)
    assert (doc.status, doc.error, doc.sha256, bool(doc.file)) == (
        "failed",
        "RuntimeError: 字体缺失",
        "",
        False,
    )
    case.refresh_from_db()
    assert case.status == "intake" and case.events.count() == 1
    assert completeness(case).missing == [("APP", "")]
    monkeypatch.setattr(renderer, "render_document", good)
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(doc, actor=clerk)
    doc.refresh_from_db()
    assert doc.status == "issued" and doc.error == ""
    assert completeness(case).complete


def test_retry_is_scope_checked(register, outsider, monkeypatch):
    monkeypatch.setattr(renderer, "render_document", lambda c, x: 1 / 0)
    case = register()
    doc = Document.objects.get(case=case)
    document_issue(doc.pk)
    with pytest.raises(NotFound):
        document_retry(Document.objects.get(pk=doc.pk), actor=outsider)


def test_new_version_supersedes_the_old(
    register, walk, clerk, director, mediator, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from workflows import services as s

    with django_capture_on_commit_callbacks(execute=True):
        case = walk(register(), "follow_up")
        s.record_add(
            case,
            "follow_up",
            actor=mediator,
            visited_at=timezone.now(),
            method="visit",
            visitee="张三",
            performance="not_performed",
            satisfaction="unsatisfied",
        )
        s.case_transition(case, "reopen", actor=director, reason="未履行")
        s.record_add(
            case,
            "session",
            actor=mediator,
            held_at=timezone.now(),
            place="调解室",
            attendees="双方",
            content="再次调解",
        )
        s.case_transition(case, "record_failure", actor=mediator, reason="仍未达成")
        s.case_transition(case, "approve_closure", actor=director)
    cls = Document.objects.filter(case=case, code="CLS").order_by("version")
    assert [(d.version, d.status) for d in cls] == [(1, "superseded"), (2, "issued")]
    assert cls[0].superseded_by == cls[1]
    # a new version keeps its predecessor's number
    year, seq = case.year, f"{case.seq:04d}"
    assert {d.number for d in cls} == {f"（{year}）东村调委结字第{seq}号"}
    med = Document.objects.filter(case=case, code="MED").order_by("pk")
    assert [d.number for d in med] == [
        f"（{year}）东村调委调记字第{seq}-1号",
        f"（{year}）东村调委调记字第{seq}-2号",
    ]
    trm = Document.objects.get(case=case, code="TRM")
    assert trm.number == f"（{year}）东村调委终字第{seq}号"
    assert cls[0].file and cls[0].sha256  # the old one stays downloadable


def test_dossier_embeds_every_current_document(register, walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = walk(register(), "archived")
    dos = Document.objects.get(case=case, code="DOS")
    included = [d["document"]["code"] for d in dos.context["dossier"]["documents"]]
    assert included == ["APP", "REG", "NOT", "INV", "MED", "AGR", "CLS", "FUV"]
    assert dos.status == "issued"


def test_verify_page(client, register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    doc = Document.objects.get(case=case)
    page = client.get(f"/verify/{doc.token}/").content.decode()
    assert doc.sha256 in page and case.number in page and "真实有效" in page
    party = case.parties.first()
    assert party.name not in page and party.id_number not in page
    assert client.get("/verify/unknown-token/").status_code == 404
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = doc.file.open("rb").read()
    same = client.post(f"/verify/{doc.token}/", {"file": SimpleUploadedFile("a.pdf", data)})
    assert "完全一致" in same.content.decode()
    changed = data[:-1] + bytes([data[-1] ^ 1])
    other = client.post(f"/verify/{doc.token}/", {"file": SimpleUploadedFile("a.pdf", changed)})
    assert "不一致" in other.content.decode()
