"""SPEC §13: the 司法确认申请书 (JCA) and the one-PDF bundle (JCB = JCA + the issued AGR + the
parties' identity page), rendered for real and read back with pdftotext."""

from __future__ import annotations

import re
import subprocess

import pytest
from pypdf import PdfReader

from documents.models import Document
from workflows import services as s

pytestmark = [pytest.mark.django_db, pytest.mark.real_pdf]


def text_of(doc: Document) -> str:
    with doc.file.open("rb") as handle:
        data = handle.read()
    out = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout.decode())


def pages_of(doc: Document) -> int:
    with doc.file.open("rb") as handle:
        return len(PdfReader(handle).pages)


@pytest.fixture
def applied(register, walk, clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "closure")
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        s.judicial_confirmation_apply(case, actor=clerk)
    docs = {d.code: d for d in Document.objects.filter(case=case)}
    return case, docs


def test_jca_names_both_parties_as_applicants_the_agreement_and_the_court(applied):
    case, docs = applied
    jca = docs["JCA"]
    assert jca.status == "issued", jca.error
    text = text_of(jca)
    assert "司法确认申请书" in text
    # Every party, whatever its role in the mediation, is a joint 申请人 with its full identity.
    assert "被申请人" not in text.split("请求事项")[0].replace("调解中为：被申请人", "")
    for party in case.parties.all():
        assert f"姓名：{party.name}" in text
        assert party.id_number in text
    assert text.count("申请人（签名）") == case.parties.count()
    assert case.current_agreement.number in text
    assert "此致青山县人民法院" in text
    assert "第三十三条" in text and "民事诉讼法" in text
    assert "三十日内" in text
    assert jca.number in text


def test_bundle_is_jca_then_agr_then_identity_page(applied):
    case, docs = applied
    jca, agr, bundle = docs["JCA"], docs["AGR"], docs["JCB"]
    assert bundle.status == "issued", bundle.error
    assert bundle.title == "司法确认申请材料"
    assert pages_of(bundle) == pages_of(jca) + pages_of(agr) + 1
    assert bundle.pages == pages_of(bundle)
    text = text_of(bundle)
    # In that order: the application, the agreement as issued, the identity page.
    first = text.index("司法确认申请书")
    second = text.index("人民调解协议书", first + 1)
    third = text.index("当事人身份信息")
    assert first < second < third
    identity = text[third:]
    for party in case.parties.all():
        assert party.name in identity
        assert party.id_number in identity
        assert party.phone in identity
        assert party.address in identity
    assert "居民身份证" in identity
    assert "青山县人民法院" in identity


def test_dossier_keeps_the_jca_but_not_the_bundle(applied):
    from documents.services import dossier_documents

    case, _docs = applied
    codes = [d.code for d in dossier_documents(case)]
    assert "JCA" in codes and "JCB" not in codes
    assert codes.index("AGR") < codes.index("JCA")
