"""Who may set a county's 以案定补 tariff (SPEC §15): a supervisor of that county or of a region
above it — a city, or a province (a deployment whose root is a province) — or an admin; a
township supervisor or a committee's director may not."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from cases.models import Membership, Region
from core.errors import PermissionDenied
from tests.county.conftest import at
from workflows import services as s

pytestmark = pytest.mark.django_db
AMOUNTS = {"ordinary": 100, "major": 200, "complex": 300, "grave": 500}


def _set(actor, county):
    with at(6, 20):
        return s.tariff_set(actor=actor, region=county, valid_from="2026-07-01", amounts=AMOUNTS)


def _supervisor_of(region: Region, name: str) -> User:
    user = User.objects.create_user(name)
    Membership.objects.create(user=user, role="supervisor", region=region)
    return user


def test_a_city_supervisor_sets_a_county_tariff(world, supervisor_city):
    assert _set(supervisor_city, world["qingshan"]).region == world["qingshan"]


def test_a_province_supervisor_sets_a_county_tariff(world):
    province = Region.objects.create(name="测试省", level="province")
    city = Region.objects.create(name="甲市", level="city", parent=province)
    county = Region.objects.create(name="乙县", level="county", parent=city)
    assert _set(_supervisor_of(province, "province_sup"), county).region == county


def test_a_township_supervisor_may_not(world):
    township = world["east_village"].parent
    with pytest.raises(PermissionDenied, match="县级督导员"):
        _set(_supervisor_of(township, "town_sup"), world["qingshan"])


def test_a_director_may_not(world, director):
    with pytest.raises(PermissionDenied, match="县级督导员"):
        _set(director, world["qingshan"])
