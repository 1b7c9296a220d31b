"""Optional invisible PDF signature with the committee's certificate (SPEC §5), via pyHanko.

Off by default. A document is signed when ``TIAOJIE_SIGNING_ENABLED`` is on and the committee
printed on it has a PKCS#12 certificate (``Organization.signing_certificate`` and its passphrase,
set in Django admin). The visible seal stays in the HTML: pyHanko's stamp drops Chinese text.

The signature is appended as an incremental update, so the rendered PDF/A-3b bytes are kept
verbatim in front of it; the issuing service hashes the signed bytes, which is what it stores and
serves. A signed file is not byte-reproducible (it carries the signing time): that is fine, since
documents are verified by their stored hash, never by re-rendering.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from django.conf import settings

from cases.models import Organization
from cases.validators import certificate_problem
from core.crypto import DecryptionFailed

# 督办通知书 is the justice bureau's notice, not the committee's document: the committee's
# certificate does not sign it.
UNSIGNED_CODES = frozenset({"SUP"})
FIELD_NAME = "TiaojieSignature"


class SigningError(Exception):
    """The committee's certificate cannot be used; the document is left failed, not unsigned."""


def sign_for(code: str, context: dict[str, Any], pdf: bytes) -> bytes:
    """The bytes to store for a freshly rendered document: signed when signing applies,
    otherwise ``pdf`` itself (the same object, untouched)."""
    if not settings.TIAOJIE_SIGNING_ENABLED or code in UNSIGNED_CODES:
        return pdf
    short_code = context["organization"]["short_code"]
    organization = Organization.objects.filter(short_code=short_code).first()
    if organization is None or not organization.signing_certificate:
        return pdf
    with organization.signing_certificate.open("rb") as handle:
        data = handle.read()
    try:
        passphrase = organization.get_signing_passphrase()  # the one accessor (decrypts)
    except DecryptionFailed as exc:
        raise SigningError(f"调委会签章证书不可用：{exc}") from None
    return sign_pdf(
        pdf,
        certificate=data,
        passphrase=passphrase,
        location=context["organization"].get("region", ""),
    )


def sign_pdf(pdf: bytes, *, certificate: bytes, passphrase: str, location: str = "") -> bytes:
    """Append an invisible certification signature (no later changes permitted) to ``pdf``."""
    # Imported here: pyHanko costs ~0.3 s to import, which processes that never sign skip.
    from pyhanko.sign import fields, signers

    problem = certificate_problem(certificate, passphrase)
    if problem:
        raise SigningError(f"调委会签章证书不可用：{problem}")
    signer = _signer(certificate, passphrase)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        reason="人民调解文书出具",
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,  # PAdES baseline B-B (ETSI.CAdES.detached)
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = _pdfa_writer()(io.BytesIO(pdf), strict=False)
    signed: bytes = signers.sign_pdf(writer, meta, signer=signer).getvalue()
    return signed


@functools.lru_cache(maxsize=8)
def _signer(data: bytes, passphrase: str) -> Any:
    from pyhanko.sign import signers

    return signers.SimpleSigner.load_pkcs12_data(
        data, other_certs=(), passphrase=passphrase.encode() or None
    )


@functools.cache
def _pdfa_writer() -> type:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR

    class PdfaWriter(IncrementalPdfFileWriter):
        """pyHanko appends itself to the Info dictionary's /Producer ("WeasyPrint 70.0; pyHanko
        …") but writes only "pyHanko …" into the XMP packet; PDF/A requires the two to agree
        (ISO 19005-3 §6.6.2.3.1), so the Info entry is set to the XMP value."""

        def _update_meta(self) -> None:
            # pyHanko leaves these two methods unannotated.
            super()._update_meta()  # type: ignore[no-untyped-call]
            if self._info is not None and "/Metadata" in self.root:
                self._info.get_object()["/Producer"] = generic.TextStringObject(VENDOR)  # type: ignore[no-untyped-call]
                self.mark_update(self._info)

    return PdfaWriter
