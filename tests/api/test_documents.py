"""GET /documents/{id}/pdf/ and the public GET /verify/{token}/."""

import hashlib

import pytest

from documents.models import Document
from documents.services import document_issue
from tests.api import api, error, url


@pytest.fixture
def issued(register):
    case = register()
    doc = case.documents.get()
    return document_issue(doc.pk)


def _bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def test_pdf(issued, clerk):
    response = api(clerk).get(url("document-pdf", issued.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(_bytes(response)).hexdigest() == issued.sha256
    assert response["ETag"] == f'"{issued.sha256}"'


def test_pdf_format_must_be_json_or_pdf(issued, clerk):
    assert api(clerk).get(url("document-pdf", issued.pk), {"format": "pdf"}).status_code == 200
    for bad in ("", "xml"):  # found by schemathesis: an empty one was taken for none
        error(api(clerk).get(url("document-pdf", issued.pk), {"format": bad}), 404, "not_found")


def test_pdf_pending_is_409(register, clerk):
    doc = register().documents.get()
    err = error(api(clerk).get(url("document-pdf", doc.pk)), 409, "invalid_state")
    assert "尚未生成" in err["message"]


def test_pdf_failed_is_409(register, clerk):
    doc = register().documents.get()
    Document.objects.filter(pk=doc.pk).update(status=Document.Status.FAILED, error="boom")
    err = error(api(clerk).get(url("document-pdf", doc.pk)), 409, "invalid_state")
    assert "失败" in err["message"] and "boom" not in err["message"]


def test_pdf_outsider_404(issued, outsider):
    error(api(outsider).get(url("document-pdf", issued.pk)), 404, "not_found")
    error(api(outsider).get(url("document-pdf", 424242)), 404, "not_found")


def test_pdf_anonymous_401(issued):
    error(api().get(url("document-pdf", issued.pk)), 401, "not_authenticated")


def test_pdf_supervisor_403(issued, supervisor):
    """The PDF holds full ID and phone numbers, which a supervisor sees masked everywhere."""
    error(api(supervisor).get(url("document-pdf", issued.pk)), 403, "permission_denied")
    [listed] = api(supervisor).get(url("case-documents", issued.case_id)).json()
    assert listed["pdf_url"] is None and listed["sha256"] == issued.sha256


def test_pdf_of_a_superseded_version_stays_downloadable(issued, clerk, register):
    from documents.services import documents_schedule

    newer = documents_schedule(issued.case, [("APP", None)], actor=clerk)[0]
    document_issue(newer.pk)
    issued.refresh_from_db()
    assert issued.status == Document.Status.SUPERSEDED
    listed = {d["version"]: d for d in api(clerk).get(url("case-documents", issued.case_id)).json()}
    assert listed[1]["superseded"] is True and listed[2]["superseded"] is False
    response = api(clerk).get(listed[1]["pdf_url"])
    assert hashlib.sha256(_bytes(response)).hexdigest() == issued.sha256


def test_verify(issued):
    response = api().get(url("verify", issued.token))
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "code": "APP",
        "case_number": issued.case.number,
        "lead_number": None,
        "issued_at": response.json()["issued_at"],
        "sha256": issued.sha256,
        "superseded": False,
    }
    assert response.json()["issued_at"].startswith(str(issued.issued_at.year))


def test_verify_ignores_a_bad_token_header(issued):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token stale")
    assert client.get(url("verify", issued.token)).status_code == 200


def test_verify_unknown_or_unissued_is_404(register):
    pending = register().documents.get()
    error(api().get(url("verify", "no-such-token")), 404, "not_found")
    error(api().get(url("verify", pending.token)), 404, "not_found")


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", None, "application/pdf, */*;q=0.1"])
def test_pdf_for_a_client_that_asks_for_a_pdf(issued, clerk, accept):
    client = api(clerk)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(url("document-pdf", issued.pk), **headers)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(_bytes(response)).hexdigest() == issued.sha256


def test_pdf_errors_are_json_even_when_a_pdf_was_asked_for(register, clerk):
    doc = register().documents.get()  # pending: no file yet
    response = api(clerk).get(url("document-pdf", doc.pk), HTTP_ACCEPT="application/pdf")
    assert response["Content-Type"].startswith("application/json")
    error(response, 409, "invalid_state")


def test_pdf_406_only_for_a_client_that_accepts_neither(issued, clerk):
    response = api(clerk).get(url("document-pdf", issued.pk), HTTP_ACCEPT="text/html")
    error(response, 406, "not_acceptable")
