"""SPEC §12 "no endpoint nobody asked for": /api/schema/ and /api/docs/ for logged-in users only,
by session or by API token. Anonymous: the schema is the JSON 401 of SPEC §9 in whatever format
was asked for; the Swagger page sends a browser to the login page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from demo import seed as demo

pytestmark = pytest.mark.django_db


def _token(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": demo.PASSWORD, "device": "schema-test"},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.mark.parametrize("query", ["", "?format=json", "?format=yaml"])
def test_anonymous_schema_is_the_json_401(client, world, query):
    response = client.get("/api/schema/" + query)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")
    assert "openapi" not in response.content.decode()


def test_a_bad_token_gets_the_json_401(world):
    response = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/schema/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    docs = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/docs/")
    assert docs.status_code == 401
    assert docs.json()["error"]["code"] == "not_authenticated"


def test_anonymous_docs_go_to_the_login_page(client, world):
    for path in ("/api/docs/", "/api/docs/?script="):
        response = client.get(path)
        assert response.status_code == 302, path
        location = urlsplit(response["Location"])
        assert location.path == reverse("login")
        assert "next=/api/docs/" in location.query


def test_schema_by_token_and_by_session(client, clerk, supervisor):
    by_token = APIClient(HTTP_AUTHORIZATION=f"Token {_token('supervisor')}")
    client.force_login(clerk)
    for api in (by_token, client):
        response = api.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.") and "/api/v1/cases/" in schema["paths"]
        assert "/api/schema/" not in schema["paths"] and "/api/docs/" not in schema["paths"]
        yaml = api.get("/api/schema/")
        assert yaml.status_code == 200 and yaml.content.startswith(b"openapi: ")


def test_docs_by_session_and_by_token(client, clerk):
    client.force_login(clerk)
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b'id="swagger-ui"' in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"/api/schema/" in script.content
    by_token = APIClient(HTTP_AUTHORIZATION=f"Token {_token('clerk')}")
    assert by_token.get("/api/docs/").status_code == 200
