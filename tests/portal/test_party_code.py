"""The party code (查询码, SPEC §14): on every case, shown to the committee, printed on NOT and
APP with the QR code of the follow page."""

import importlib
import subprocess

import pytest
from django.urls import reverse

from cases.models import PARTY_CODE_ALPHABET, Case
from documents.models import Document


def test_registration_gives_a_code_from_the_alphabet(register):
    codes = {register(summary=f"纠纷{n}").party_code for n in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert len(code) == 8 and set(code) <= set(PARTY_CODE_ALPHABET)
        assert not set(code) & set("0O1I")


def test_the_data_migration_fills_existing_cases(register):
    migration = importlib.import_module("cases.migrations.0007_case_party_code")
    first, second = register(summary="甲"), register(summary="乙")
    Case.objects.filter(pk=first.pk).update(party_code="")
    from django.apps import apps

    migration.fill_codes(apps, None)
    first.refresh_from_db()
    assert len(first.party_code) == 8 and first.party_code != second.party_code


def test_committee_sees_the_code_on_the_page_and_in_the_api(client, register, clerk, supervisor):
    case = register()
    client.force_login(clerk)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert case.party_code in page.content.decode()
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["party_code"] == case.party_code
    client.force_login(supervisor)
    assert (
        case.party_code not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    )
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["party_code"] is None


def test_not_and_app_carry_the_code_and_the_follow_url(
    register, walk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "investigation")
    for code in ("APP", "NOT"):
        doc = Document.objects.get(case=case, code=code)
        assert doc.context["case"]["party_code"] == case.party_code
        assert doc.context["case"]["follow_url"].endswith(f"/p/?code={case.party_code}")
    reg = Document.objects.get(case=case, code="REG")
    assert "party_code" not in reg.context["case"]


@pytest.mark.real_pdf
def test_the_rendered_notice_prints_the_code(
    register, walk, django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
        walk(case, "investigation")
    doc = Document.objects.get(case=case, code="NOT")
    assert doc.status == Document.Status.ISSUED
    pdf = tmp_path / "not.pdf"
    pdf.write_bytes(doc.file.open("rb").read())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert f"查询码：{case.party_code}" in text.replace(" ", "")
    assert "/p/?code=" in text
