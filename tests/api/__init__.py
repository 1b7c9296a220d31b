"""Helpers for the API tests: clients that authenticate the way a real client does (a token
header), and one assertion for the error shape of SPEC §9."""

from __future__ import annotations

import itertools

from django.urls import reverse
from rest_framework.test import APIClient

from accounts import tokens

_devices = itertools.count(1)


def api(user=None) -> APIClient:
    """A client signed in with a fresh knox token of its own (a device name per client, so a
    second client for the same user does not replace the first one's token)."""
    client = APIClient()
    if user is not None:
        _, token = tokens.issue(user, f"tests-{next(_devices)}")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def error(response, status: int, code: str) -> dict:
    """Assert the status and the `{"error": {code, message, fields}}` shape; return the error."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]
