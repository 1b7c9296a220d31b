"""Optional invisible signature with the committee's certificate (SPEC §5), checked with pyHanko's
validator and poppler's pdfsig on certificates generated here: signing happens before hashing,
the signed file stays a readable PDF/A-3b, and with signing off nothing changes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from cases.models import Organization
from documents import renderer, signing
from documents.models import Document
from documents.services import document_retry
from tests.documents.certificates import PASSPHRASE, make_certificate
from tests.documents.samples import CASE_NUMBER, sample_context


@pytest.fixture(scope="module")
def certificate():
    return make_certificate()


def validate(pdf: bytes, cert):
    """pyHanko's verdict on the file's one signature, trusting only ``cert``."""
    reader = PdfFileReader(io.BytesIO(pdf))
    (embedded,) = reader.embedded_signatures
    root = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    return embedded, status


def assert_validly_signed(pdf: bytes, cert) -> None:
    embedded, status = validate(pdf, cert)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.field_name == signing.FIELD_NAME
    assert embedded.docmdp_level == MDPPerm.NO_CHANGES  # certified: no later change allowed


def info_and_xmp(path: Path) -> tuple[dict[str, str], str]:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True).stdout.decode()
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], check=True, capture_output=True)
    fields = dict(re.findall(r"^(\w+):\s+(.*)$", info, re.M))
    return fields, xmp.stdout.decode()


# --- the signature itself -----------------------------------------------------------------------


@pytest.mark.real_pdf
def test_signed_pdf_is_valid_and_still_a_readable_pdfa(certificate, tmp_path):
    cert, p12 = certificate
    context = sample_context("AGR")
    plain = renderer.render_document("AGR", context).pdf
    signed = signing.sign_pdf(plain, certificate=p12, passphrase=PASSPHRASE, location="东村")

    assert signed.startswith(plain) and len(signed) > len(plain)  # appended, nothing rewritten
    assert_validly_signed(signed, cert)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    sig = subprocess.run(["pdfsig", str(path)], capture_output=True).stdout.decode()
    assert "Signature is Valid." in sig and "Total document signed" in sig
    assert "ETSI.CAdES.detached" in sig  # PAdES

    # The page text, the attached record and the PDF/A-3b identification survive the update.
    (tmp_path / "plain.pdf").write_bytes(plain)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    before = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "plain.pdf"), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    assert text == before and "人民调解协议书" in text and CASE_NUMBER in text
    subprocess.run(
        ["pdfdetach", "-save", "1", "-o", str(tmp_path / "r.json"), str(path)], check=True
    )
    assert json.loads((tmp_path / "r.json").read_text()) == context
    info, xmp = info_and_xmp(path)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    # PDF/A: the Info dictionary and the XMP packet must agree on what both carry.
    assert f'pdf:Producer="{info["Producer"]}"' in xmp
    assert info["Title"] in xmp and info["Author"] in xmp
    assert info["Pages"] == "2"


def test_certificate_problems_are_named(certificate):
    _cert, p12 = certificate
    assert signing.certificate_problem(p12, PASSPHRASE) is None
    assert "口令错误" in signing.certificate_problem(p12, "wrong")
    assert "PKCS#12" in signing.certificate_problem(b"not a certificate", "")
    _old, expired = make_certificate(days=-1)
    assert "过期" in signing.certificate_problem(expired, PASSPHRASE)
    with pytest.raises(signing.SigningError, match="签章证书不可用"):
        signing.sign_pdf(b"%PDF-1.7", certificate=p12, passphrase="wrong")


# --- the committee's certificate in admin ------------------------------------------------------


@pytest.mark.django_db
def test_organization_refuses_a_certificate_it_cannot_use(world, certificate):
    _cert, p12 = certificate
    org = world["east"]
    org.signing_certificate = SimpleUploadedFile("east.p12", p12)
    org.set_signing_passphrase("wrong")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "口令错误" in exc.value.message_dict["signing_certificate"][0]

    org.set_signing_passphrase(PASSPHRASE)
    org.full_clean()
    org.save()  # the upload was read by clean() and is still saved whole
    org.refresh_from_db()
    assert org.signing_certificate.read() == p12
    org.full_clean()  # a stored certificate is checked again on the next edit


# --- issuing ---------------------------------------------------------------------------------


def _give_certificate(org: Organization, p12: bytes, passphrase: str) -> None:
    org.signing_certificate.save("east.p12", ContentFile(p12), save=False)
    # Bypasses clean(): a certificate may also stop working after it was accepted.
    org.set_signing_passphrase(passphrase)
    org.save()


@pytest.mark.real_pdf
@pytest.mark.django_db
def test_issuing_signs_before_hashing(
    world, register, clerk, client, certificate, settings, django_capture_on_commit_callbacks
):
    cert, p12 = certificate
    settings.TIAOJIE_SIGNING_ENABLED = True
    _give_certificate(world["east"], p12, "wrong")
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    doc = Document.objects.get(case=case)
    # A certificate that cannot sign leaves the document failed, never issued unsigned.
    assert doc.status == "failed" and "签章证书不可用" in doc.error and not doc.file

    _give_certificate(world["east"], p12, PASSPHRASE)
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(doc, actor=clerk)
    doc.refresh_from_db()
    assert doc.status == "issued"
    stored = doc.file.read()
    assert hashlib.sha256(stored).hexdigest() == doc.sha256 and doc.size == len(stored)
    assert_validly_signed(stored, cert)
    # The signature is appended to the deterministic render of the frozen context.
    assert stored.startswith(renderer.render_document("APP", doc.context).pdf)
    served = client.get(f"/verify/{doc.token}/")
    assert doc.sha256 in served.content.decode()
    upload = SimpleUploadedFile("app.pdf", stored)
    assert "完全一致" in client.post(f"/verify/{doc.token}/", {"file": upload}).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("enabled", [False, True])
def test_nothing_is_signed_unless_enabled_and_configured(
    world, register, certificate, settings, django_capture_on_commit_callbacks, enabled
):
    """Off by default, even for a committee with a certificate; on, but for a committee without
    one, also unsigned. (The fake renderer's bytes are not a PDF: any attempt to sign them would
    leave the document failed.)"""
    _cert, p12 = certificate
    if enabled:
        settings.TIAOJIE_SIGNING_ENABLED = True
    else:
        assert settings.TIAOJIE_SIGNING_ENABLED is False  # the default
        _give_certificate(world["east"], p12, PASSPHRASE)
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    doc = Document.objects.get(case=case)
    assert doc.status == "issued", doc.error
    assert doc.file.read() == renderer.render_document("APP", doc.context).pdf


@pytest.mark.django_db
def test_the_bureaus_notice_is_not_signed_by_the_committee(world, certificate, settings):
    _cert, p12 = certificate
    settings.TIAOJIE_SIGNING_ENABLED = True
    _give_certificate(world["east"], p12, PASSPHRASE)
    pdf = b"%PDF-1.7 not signed"
    assert signing.sign_for("SUP", sample_context("SUP"), pdf) is pdf
    with pytest.raises(PdfReadError):  # any other code is signed (and these bytes are no PDF)
        signing.sign_for("REG", sample_context("REG"), pdf)
