"""The AGR (人民调解协议书) numbers the terms itself, exactly once: a number the mediator typed
is dropped when saved, and again when an older agreement is printed (the rendered HTML, not
WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from documents import renderer
from documents.context import build_context
from documents.models import Document
from workflows import services

pytestmark = pytest.mark.django_db


def _agreed(register, walk, mediator, terms):
    case = walk(register(), "mediation")
    services.record_add(
        case,
        "session",
        actor=mediator,
        held_at=timezone.now(),
        place="调解室",
        attendees="双方",
        content="陈述",
    )
    services.case_transition(
        case,
        "record_agreement",
        actor=mediator,
        kind="written",
        terms=terms,
        performance_method="转账",
        performance_deadline=timezone.localdate() + dt.timedelta(days=10),
        amount="1.2万",
        signatures_complete=True,
    )
    return case


def _terms_html(html: str) -> str:
    return re.search(r'<div class="terms">(.*?)</div>', html, re.S).group(1)


def test_the_agr_prints_each_number_once(register, walk, mediator):
    case = _agreed(
        register, walk, mediator, ["一、甲方支付1.2万元", "2. 乙方撤回起诉", "（三）双方不再追究"]
    )
    doc = Document.objects.get(case=case, code="AGR")
    assert doc.context["record"]["terms"] == ["甲方支付1.2万元", "乙方撤回起诉", "双方不再追究"]
    assert doc.context["record"]["numbered_terms"] == [
        "一、甲方支付1.2万元",
        "二、乙方撤回起诉",
        "三、双方不再追究",
    ]
    html = renderer.document_html("AGR", doc.context)
    terms = _terms_html(html)
    assert re.findall(r"<p>(.*?)</p>", terms) == [
        "一、甲方支付1.2万元",
        "二、乙方撤回起诉",
        "三、双方不再追究",
    ]
    assert html.count("一、") == 1 and "一、一、" not in html
    assert '<ol class="terms">' not in html  # the stylesheet's counter would number them again
    assert "壹万贰仟元" in html  # 1.2万 is twelve thousand yuan


def test_an_older_agreement_with_typed_numbers_prints_them_once(register, walk, mediator):
    case = _agreed(register, walk, mediator, ["甲方道歉"])
    agreement = case.current_agreement
    agreement.terms = ["一、甲方道歉", "二、乙方撤诉"]  # saved before the service dropped them
    agreement.save()
    doc = Document.objects.get(case=case, code="AGR")
    context = build_context(doc, agreement, mediator)
    html = renderer.document_html("AGR", context)
    assert re.findall(r"<p>(.*?)</p>", _terms_html(html)) == ["一、甲方道歉", "二、乙方撤诉"]


def test_a_context_frozen_before_numbering_renders_as_before(register, walk, mediator):
    case = _agreed(register, walk, mediator, ["甲方道歉"])
    context = Document.objects.get(case=case, code="AGR").context
    del context["record"]["numbered_terms"]
    html = renderer.document_html("AGR", context)
    assert '<ol class="terms">' in html and "<li>甲方道歉</li>" in html
