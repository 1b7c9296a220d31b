"""SPEC §11, one view of a party per viewer: a supervisor walks every API endpoint of the schema,
every page a supervisor can open and every export, and nothing in any answer may carry a
party's full birth date, house-number address, full ID number or full phone. The committee's
clerk, on the same pages, sees them (so the walk can fail)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.choices import IdType
from cases.party_view import village_address
from documents.models import Document
from tests.cases.test_identity import resident_id
from tests.factories import party
from web import actions

BORN = dt.date(1956, 3, 17)
APPLICANT_ID = resident_id("110111", BORN, 42)  # a county coded after the holder's birth
SECRETS = {
    "full birth date": "1956-03-17",
    "birth date inside the number": "19560317",
    "resident ID": APPLICANT_ID,
    "applicant's phone": "13912345678",
    "applicant's house number": "3组12号",
    "passport number": "E98765432",
    "respondent's phone": "88776655",
    "respondent's house number": "7组5号",
}


@pytest.fixture
def case(register, walk):
    applicant = party(
        "applicant", 1, birth_date=BORN, id_number=APPLICANT_ID, phone="13912345678",
        address="青山县东镇东村3组12号",
    )  # fmt: skip
    respondent = party(
        "respondent", 2, birth_date=dt.date(1961, 8, 9), id_type=IdType.PASSPORT,
        id_number="E98765432", id_country="USA", phone="0571-88776655",
        address="青山县东镇东村7组5号",
    )  # fmt: skip
    return walk(register(parties=[applicant, respondent]), "follow_up")


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
        )
    if "pdf" in kind:
        return ""  # rendered by the test renderer; a supervisor gets no case PDF (403 below)
    return body.decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [what for what, value in SECRETS.items() if value in text]


def _api_paths(case) -> list[str]:
    client = APIClient()
    client.force_authenticate(
        case.organization.memberships.first().user
    )  # the schema needs a login
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    doc = Document.objects.filter(case=case).first()
    ids = {"/cases/": case.pk, "/documents/": doc.pk, "/organizations/": case.organization_id}
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        if "{token}" in path:
            paths += [path.replace("{token}", d.token) for d in case.documents.all()]
            continue
        prefix = next((p for p in ids if p in path), None)
        paths.append(path.replace("{id}", str(ids[prefix])) if prefix else path)
    return paths


def _page_urls(case) -> list[str]:
    urls = [
        reverse(name)
        for name in [
            "home", "cases:list", "cases:export", "workflows:tasks", "workflows:notifications",
            "supervision:dashboard", "supervision:statistics", "supervision:statistics-xlsx",
            "supervision:ranking", "supervision:audit", "supervision:audit-csv",
            "supervision:access", "supervision:access-csv",
        ]
    ]  # fmt: skip
    urls += [reverse("cases:detail", args=[case.pk]), f"/cases/?q={case.parties.first().name}"]
    urls += [reverse("cases:act", args=[case.pk, name]) for name in actions.ACTIONS]
    urls += [reverse("cases:document-pdf", args=[d.pk]) for d in case.documents.all()]
    urls += [reverse("verify", args=[d.token]) for d in case.documents.all()]
    return urls


@pytest.mark.django_db
def test_a_supervisor_never_sees_a_full_personal_detail(case, supervisor, client):
    api = APIClient()
    api.force_authenticate(supervisor)
    client.force_login(supervisor)
    answers = [(p, api.get(p)) for p in _api_paths(case)]
    answers += [(u, client.get(u)) for u in _page_urls(case)]
    assert len(answers) > 40
    assert [p for p, r in answers if r.status_code >= 500] == []
    seen = {p: r.status_code for p, r in answers}
    assert seen[f"/api/v1/cases/{case.pk}/"] == 200 and seen[reverse("cases:export")] == 200
    leaks = {p: found for p, r in answers if (found := _leaks(_text(r)))}
    assert leaks == {}
    detail = _text(api.get(f"/api/v1/cases/{case.pk}/"))
    assert '"birth_year":1956' in detail.replace(" ", "") and "2345678"[-4:] in detail
    assert "青山县东镇东村" in detail


@pytest.mark.django_db
def test_the_committee_sees_the_same_pages_in_full(case, clerk, client):
    """The control of the walk above: the secrets are really there for a full viewer."""
    api = APIClient()
    api.force_authenticate(clerk)
    client.force_login(clerk)
    detail = _text(api.get(f"/api/v1/cases/{case.pk}/"))
    page = _text(client.get(reverse("cases:detail", args=[case.pk])))
    export = _text(client.get(reverse("cases:export")))
    for text in (detail, page, export):
        assert "resident ID" in _leaks(text) and "passport number" in _leaks(text)
    assert set(_leaks(detail)) >= {"full birth date", "applicant's house number"}


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("青山县东镇东村3组12号", "青山县东镇东村"),
        ("青山市河西街道幸福社区5栋201室", "青山市河西街道幸福社区"),
        ("东镇红旗村民委员会", "东镇红旗村民委员会"),
        ("12号院", ""),
        ("", ""),
    ],
)
def test_addresses_stop_at_the_village(address, shown):
    assert village_address(address) == shown
