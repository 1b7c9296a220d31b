"""Parties' identity documents through the API (SPEC §11, §17): `id_type` with its check, the
organization's `uscc` and `legal_representative`, clients written before the types, and the
masked answer a supervisor gets."""

import datetime as dt

import pytest

from cases.models import Case
from tests.api import api, error, url
from tests.api.test_cases import _body
from tests.cases.test_identity import resident_id
from tests.factories import party

pytestmark = pytest.mark.django_db


def _register(user, world, *parties):
    return api(user).post(url("cases"), _body(world, parties=list(parties)), format="json")


def test_every_type_is_taken_and_answered(clerk, world):
    applicant = party("applicant", 1, id_type="hk_macao_permit", id_number="H1234567801")
    passport = party("respondent", 2, id_type="passport", id_number="E7654321", id_country="KOR")
    company = {"role": "third_party", "kind": "organization", "name": "青山物业有限公司",
               "uscc": "91110108551385082Q", "legal_representative": "王五"}  # fmt: skip
    r = _register(clerk, world, applicant, passport, company)
    assert r.status_code == 201, r.content
    parties = {p["role"]: p for p in r.json()["parties"]}
    assert parties["applicant"]["id_type"] == "hk_macao_permit"
    assert (parties["respondent"]["id_number"], parties["respondent"]["id_country"]) == (
        "E7654321",
        "KOR",
    )
    assert parties["third_party"]["uscc"] == "91110108551385082Q"
    assert parties["third_party"]["legal_representative"] == "王五"
    assert parties["third_party"]["id_type"] == "none"


def test_a_client_without_id_type_gets_a_resident_id(clerk, world):
    number = resident_id("110111", dt.date(1958, 2, 2), 5)
    old_style = party("applicant", 1, id_number=number)
    old_style.pop("id_type", None)
    assert _register(clerk, world, old_style, party("respondent", 2)).status_code == 201
    assert Case.objects.get().parties.get(role="applicant").id_type == "resident_id"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id_type": "taiwan_permit", "id_number": "1234"}, "id_number"),
        ({"id_type": "passport", "id_number": "E1234567", "id_country": "ZZ"}, "id_country"),
        ({"id_type": "none", "id_number": "110105197005010019"}, "id_number"),
        ({"id_type": "visa", "id_number": "1"}, "id_type"),
        ({"kind": "organization", "uscc": "91110108551385082A"}, "uscc"),
    ],
)
def test_a_wrong_document_points_at_its_field(clerk, world, fields, field):
    bad = party("respondent", 2, **fields)
    err = error(_register(clerk, world, party("applicant", 1), bad), 400, "invalid")
    assert field in err["fields"]["parties"]["1"]
    assert not Case.objects.exists()


def test_a_supervisor_gets_the_masked_view(clerk, supervisor, world):
    born = dt.date(1956, 3, 17)
    who = party("applicant", 1, birth_date=born, id_number=resident_id("110105", born, 9),
                address="青山县东镇东村3组12号")  # fmt: skip
    case_id = _register(clerk, world, who, party("respondent", 2)).json()["id"]
    p = api(supervisor).get(url("case", case_id)).json()["parties"][0]
    assert p["masked"] is True and p["birth_date"] is None and p["birth_year"] == 1956
    assert p["id_number"].endswith(who["id_number"][-4:]) and p["id_number"].count("*") == 14
    assert p["address"] == "青山县东镇东村"
    full = api(clerk).get(url("case", case_id)).json()["parties"][0]
    assert full["masked"] is False and full["birth_date"] == "1956-03-17"
