"""POST /api/v1/cases/{id}/judicial-confirmation/ (SPEC §13, §17): the answer and each error."""

from __future__ import annotations

import pytest

from documents import renderer
from tests.api import api, error, url


@pytest.fixture(autouse=True)
def fake_bundle(monkeypatch):
    """The fast fake renderer's bytes are no PDF: bind them as the bundle without pypdf."""
    monkeypatch.setattr(
        renderer,
        "render_bundle",
        lambda context, *, application, agreement: renderer.RenderResult(
            pdf=application.pdf + agreement, pages=3, missing_glyphs=False
        ),
    )


@pytest.fixture
def agreed(register, walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "follow_up")
    case.refresh_from_db()
    return case


def _post(user, case, body=None, **extra):
    return api(user).post(
        url("case-judicial-confirmation", case.pk), body or {}, format="json", **extra
    )


def test_apply_answers_201_with_the_documents_and_the_bundle(
    agreed, mediator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(mediator, agreed)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "agreement",
        "applied_on",
        "court",
        "result",
        "result_on",
        "window_ends_on",
        "documents",
        "bundle_url",
    }
    assert body["court"] == "青山县人民法院"
    assert body["result"] == "pending"
    agreement = agreed.current_agreement
    assert body["applied_on"] == agreement.effective_on.isoformat()
    assert body["window_ends_on"] > body["applied_on"]
    assert [d["code"] for d in body["documents"]] == ["JCA", "JCB"]
    # Rendered after commit: the answer was written before, so the URLs come with a re-read.
    assert body["documents"][0]["title"] == "司法确认申请书"
    assert body["documents"][1]["title"] == "司法确认申请材料"


def test_bundle_url_once_issued(agreed, clerk, django_capture_on_commit_callbacks):
    from cases.models import JudicialConfirmation

    with django_capture_on_commit_callbacks(execute=True):
        assert _post(clerk, agreed, {"court": "青山市中级人民法院"}).status_code == 201
    record = JudicialConfirmation.objects.get(case=agreed)
    assert record.court == "青山市中级人民法院"
    from api.serializers import JudicialApplicationSerializer

    class Request:  # enough of a request for the serializer's URLs
        user = clerk

        @staticmethod
        def build_absolute_uri(path):
            return f"http://testserver{path}"

    data = JudicialApplicationSerializer(record, context={"request": Request}).data
    bundle = [d for d in data["documents"] if d["code"] == "JCB"][0]
    assert bundle["status"] == "issued"
    assert data["bundle_url"] == bundle["pdf_url"]
    assert data["bundle_url"].endswith(url("document-pdf", bundle["id"]))


def test_twice_is_409(agreed, clerk):
    assert _post(clerk, agreed).status_code == 201
    err = error(_post(clerk, agreed), 409, "invalid_state")
    assert "已申请司法确认" in err["message"]


def test_roles_and_scope(agreed, supervisor, outsider, mediator2):
    error(_post(supervisor, agreed), 403, "permission_denied")
    error(_post(mediator2, agreed), 403, "permission_denied")
    error(_post(outsider, agreed), 404, "not_found")
    error(api().post(url("case-judicial-confirmation", agreed.pk), {}), 401, "not_authenticated")


def test_unknown_field_and_get(agreed, clerk):
    err = error(_post(clerk, agreed, {"applied_on": "2026-12-01"}), 400, "invalid")
    assert "applied_on" in err["fields"]
    # GET reads the applications and whether one may be made (tests/workflows/test_judicial_reapply.py)
    state = api(clerk).get(url("case-judicial-confirmation", agreed.pk)).json()
    assert state == {"may_apply": True, "reason": "", "applications": []}
    error(api(clerk).put(url("case-judicial-confirmation", agreed.pk)), 405, "method_not_allowed")


def test_no_basic_court_is_a_precondition(agreed, clerk, world):
    world["east"].basic_court = ""
    world["east"].save()
    err = error(_post(clerk, agreed), 400, "precondition_failed")
    assert "基层人民法院" in err["message"]


def test_before_an_agreement_is_409(register, walk, clerk):
    case = register()
    walk(case, "mediation")
    error(_post(clerk, case), 409, "invalid_state")


def test_stale_if_match_is_409(agreed, clerk):
    error(_post(clerk, agreed, HTTP_IF_MATCH=f'"{agreed.version - 1}"'), 409, "conflict")
