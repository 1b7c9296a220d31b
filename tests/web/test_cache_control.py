"""SPEC §12 headers: `Cache-Control: private, no-store` on every answer to a logged-in user —
pages, the PDF and .xlsx downloads, API JSON by session or by token — and on the login page;
static files and anonymous public answers keep their own caching headers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from demo import seed as demo
from documents.models import Document

pytestmark = pytest.mark.django_db

NO_STORE = "private, no-store"


@pytest.fixture
def issued(register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    return Document.objects.get(case=case, status=Document.Status.ISSUED)


def _token(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": demo.PASSWORD, "device": "cache-test"},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_pages_and_downloads_of_a_logged_in_user(client, clerk, supervisor, issued):
    client.force_login(clerk)
    answers = {
        "home": client.get(reverse("home")),
        "list": client.get(reverse("cases:list")),
        "detail": client.get(reverse("cases:detail", args=[issued.case_id])),
        "register": client.get(reverse("cases:register")),
        "tasks": client.get(reverse("workflows:tasks")),
        "pdf": client.get(reverse("cases:document-pdf", args=[issued.pk])),
        "xlsx": client.get(reverse("cases:export")),
        "template": client.get(reverse("cases:import-template")),
        "verify": client.get(reverse("verify", args=[issued.token])),
        # An error page is an answer to the user too.
        "404": client.get(reverse("cases:detail", args=[424242])),
    }
    client.force_login(supervisor)
    answers |= {
        "dashboard": client.get(reverse("supervision:dashboard")),
        "statistics.xlsx": client.get(reverse("supervision:statistics-xlsx")),
        "statistics.pdf": client.get(reverse("supervision:statistics-pdf")),
        "audit.csv": client.get(reverse("supervision:audit-csv")),
        "403": client.get(reverse("cases:register")),
    }
    assert answers["pdf"]["Content-Type"] == "application/pdf"
    assert answers["xlsx"]["Content-Type"].startswith("application/vnd.openxmlformats")
    assert answers["403"].status_code == 403 and answers["404"].status_code == 404
    for name, response in answers.items():
        assert response["Cache-Control"] == NO_STORE, (name, response.status_code)


def test_api_by_session_and_by_token(client, clerk, issued):
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {_token('clerk')}")
    client.force_login(clerk)
    for api in (by_token, client):
        for path in [
            "/api/v1/me/",
            "/api/v1/cases/",
            f"/api/v1/cases/{issued.case_id}/",
            f"/api/v1/documents/{issued.pk}/pdf/",
            "/api/schema/?format=json",
        ]:
            response = api.get(path)
            assert response.status_code == 200, (path, response.content[:200])
            assert response["Cache-Control"] == NO_STORE, path


def test_token_answers_are_not_stored(world):
    """The new token is in the body of the token endpoint's answer; a refused token is a
    request with credentials."""
    issued = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "clerk", "password": demo.PASSWORD, "device": "cache-test"},
        format="json",
    )
    assert issued.status_code == 200
    assert issued["Cache-Control"] == NO_STORE
    refused = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused["Cache-Control"] == NO_STORE


def test_login_page_is_not_stored(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_anonymous_public_answers_and_static_files_keep_their_headers(client, clerk):
    health = client.get(reverse("healthz"))
    assert health.status_code == 200
    assert health.get("Cache-Control") != NO_STORE
    client.force_login(clerk)
    css = client.get("/static/tiaojie/tiaojie.css")
    assert css.status_code == 200
    assert css.get("Cache-Control") != NO_STORE
    assert "public" in css["Cache-Control"]  # whitenoise's own
