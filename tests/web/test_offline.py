"""The offline record forms (issue 14): the worker is served from the site's root with the
headers a worker needs; only the record forms are marked for offline use. The behaviour with
the network cut is tested in a real browser (tests/e2e/test_offline.py)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_worker_is_served_from_the_root(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/" and r["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in r.content
    assert client.post("/sw.js").status_code == 405


def test_only_record_forms_work_offline(client, register, walk, mediator, clerk):
    case = walk(register(), "mediation")
    client.force_login(mediator)
    for name in ("session_add", "investigation_add"):
        html = client.get(reverse("cases:act", args=[case.pk, name])).content.decode()
        assert "data-offline" in html, name
    client.force_login(clerk)
    intake = register()
    html = client.get(reverse("cases:act", args=[intake.pk, "accept"])).content.decode()
    assert "data-offline" not in html
