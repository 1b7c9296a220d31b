"""The register form with every kind of identity document (SPEC §11): the type's check stands
under the number field, nothing typed is lost, an unknown county code is only a notice."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case
from tests.cases.test_identity import resident_id
from tests.web.test_pages import _register_post

pytestmark = pytest.mark.django_db


def _post(client, world, **party):
    data = _register_post(world) | {f"parties-1-{k}": v for k, v in party.items()}
    return client.post(reverse("cases:register"), data, follow=True)


def test_an_elderly_party_of_a_later_county_code_registers(client, clerk, world):
    client.force_login(clerk)
    number = resident_id("110111", dt.date(1952, 10, 3), 18)  # 房山区 has had 110111 since 1986
    r = _post(client, world, id_type="resident_id", id_number=number)
    assert r.redirect_chain, r.content.decode()[:500]
    party = Case.objects.get().parties.get(role="respondent")
    assert (party.id_type, party.id_number) == ("resident_id", number)


def test_a_passport_and_a_party_without_card(client, clerk, world):
    client.force_login(clerk)
    r = _post(client, world, id_type="passport", id_number="e1234567", id_country="usa")
    assert r.redirect_chain
    party = Case.objects.get().parties.get(role="respondent")
    assert (party.id_type, party.id_number, party.id_country) == ("passport", "E1234567", "USA")
    detail = client.get(reverse("cases:detail", args=[party.case_id])).content.decode()
    assert "护照 E1234567（USA）" in detail

    r = _post(client, world, id_type="", id_number="")
    assert r.redirect_chain
    assert Case.objects.latest("pk").parties.get(role="respondent").id_type == "none"


def test_a_wrong_number_is_refused_under_its_field_and_nothing_is_lost(client, clerk, world):
    client.force_login(clerk)
    good = resident_id("110105", dt.date(1970, 5, 1), 3)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    r = _post(client, world, id_type="resident_id", id_number=bad, name="赵老汉")
    assert r.status_code == 200 and not r.redirect_chain
    html = r.content.decode()
    assert "末位校验码不符" in html and bad in html and "赵老汉" in html
    assert not Case.objects.exists()
    r = _post(client, world, id_type="passport", id_number="E1234567", id_country="ZZZ")
    assert "签发国家" in r.content.decode() and not Case.objects.exists()


def test_an_unknown_county_code_is_a_notice(client, clerk, world):
    client.force_login(clerk)
    r = _post(client, world, id_number=resident_id("119999", dt.date(1956, 3, 17), 7))
    assert r.redirect_chain
    assert "不在行政区划代码表中" in r.content.decode()
    assert Case.objects.count() == 1


def test_the_form_gives_each_type_its_hint(client, clerk):
    client.force_login(clerk)
    html = client.get(reverse("cases:register")).content.decode()
    assert "data-id-hints" in html and "H或M开头" in html
