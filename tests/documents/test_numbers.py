"""Document numbers (文书编号): built from the case number, one word (代字) per kind, an ordinal for
the kinds a case holds several of, unchanged across versions (documents.numbers)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from documents.models import Document
from documents.numbers import REPEATED, WORDS, document_number, nth
from tests.documents.samples import CASE_NUMBER, DOCUMENT_NUMBERS


@pytest.mark.parametrize("code", sorted(WORDS))
def test_each_kind_has_its_official_looking_number(code):
    ordinal = 1 if code in REPEATED else None
    assert document_number(CASE_NUMBER, code, ordinal) == DOCUMENT_NUMBERS[code]


def test_ordinal_is_required_exactly_for_repeated_kinds():
    assert document_number(CASE_NUMBER, "INV", 12) == "（2026）东村调委调查字第0007-12号"
    for code, ordinal in [("INV", None), ("REG", 1), ("FUV", 0)]:
        with pytest.raises(ValueError):
            document_number(CASE_NUMBER, code, ordinal)
    with pytest.raises(ValueError):
        document_number(CASE_NUMBER, "AGR")  # agreements have their own 调协字 number


def test_a_custom_case_number_format_gets_a_readable_suffix():
    assert document_number("东村调委-2026-7", "INV", 2) == "东村调委-2026-7-调查2"
    assert document_number("东村调委-2026-7", "CLS") == "东村调委-2026-7-结案"


@given(
    year=st.integers(2000, 2099),
    seq=st.integers(1, 99999),
    ordinals=st.lists(st.integers(1, 500), min_size=2, max_size=2, unique=True),
)
def test_numbers_keep_the_case_and_never_collide(year, seq, ordinals):
    case_number = f"（{year}）东村调委人调字第{seq:04d}号"
    numbers = [
        document_number(case_number, code, ordinal)
        for code in WORDS
        for ordinal in (ordinals if code in REPEATED else [None])
    ]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert number.startswith(f"（{year}）东村调委") and f"第{seq:04d}" in number
        assert number.endswith("号") and "人调字" not in number


@pytest.mark.django_db
def test_issued_documents_are_numbered_per_case(
    register, walk, mediator, director, django_capture_on_commit_callbacks
):
    from workflows import services as s

    with django_capture_on_commit_callbacks(execute=True):
        case = walk(register(), "investigation")
        for who in ("当事人app1", "当事人res2"):
            s.record_add(
                case,
                "investigation",
                actor=mediator,
                conducted_at=timezone.now(),
                place="村委会",
                interviewee=who,
                content="了解情况",
            )
    year, seq = case.year, f"{case.seq:04d}"
    assert case.number == f"（{year}）东村调委人调字第{seq}号"
    numbers = {
        (d.code, d.slot): d.number for d in Document.objects.filter(case=case).order_by("pk")
    }
    inv = [number for (code, _slot), number in numbers.items() if code == "INV"]
    assert inv == [f"（{year}）东村调委调查字第{seq}-1号", f"（{year}）东村调委调查字第{seq}-2号"]
    assert numbers[("APP", "")] == f"（{year}）东村调委申字第{seq}号"
    assert numbers[("REG", "")] == f"（{year}）东村调委受字第{seq}号"
    assert numbers[("NOT", "")] == f"（{year}）东村调委告字第{seq}号"
    # The number is frozen into the context the PDF is rendered from.
    for doc in Document.objects.filter(case=case):
        assert doc.context["document"]["number"] == doc.number


@pytest.mark.django_db
def test_an_escalated_case_keeps_numbering_its_documents_as_registered(
    register, world, clerk, supervisor, django_capture_on_commit_callbacks
):
    from tests.factories import township_committee
    from workflows import services as s

    township, _clerk = township_committee()
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        s.case_escalate(case, actor=clerk, organization=township, reason="涉及两村")
        s.case_supervise(case, actor=supervisor, content="请于三日内反馈")
    sup = Document.objects.get(case=case, code="SUP")
    assert sup.number == f"（{case.year}）东村调委督字第{case.seq:04d}-1号"
    assert sup.context["organization"]["short_code"] == "东镇调委"  # now the case's committee


def test_a_second_application_after_a_refusal_is_numbered_2():
    first = "（2026）东村调委司确字第0007号"
    assert nth(first, 1) == first
    assert nth(first, 2) == "（2026）东村调委司确字第0007-2号"
    assert nth("C-2026-7-司法确认", 3) == "C-2026-7-司法确认3"
