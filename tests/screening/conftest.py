"""排查 fixtures: the demo grid workers (`grid` of 东村第一网格, `grid_b` of the village 西村) and a
`report` that makes a lead through the service."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from cases.models import Region

User = get_user_model()


@pytest.fixture
def grid(world):
    return User.objects.get(username="grid")


@pytest.fixture
def grid_b(world):
    return User.objects.get(username="grid_b")


@pytest.fixture
def east_grid(world):
    return Region.objects.get(name="东村第一网格")


@pytest.fixture
def report(world, grid, east_grid):
    from workflows.services import lead_report

    def make(**overrides):
        data = {
            "actor": grid,
            "region": east_grid,
            "description": "两户因排水沟堵塞争吵",
            "place": "东村一组",
            "people": [
                {"name": "王大明", "role": "applicant", "phone": "13811112222"},
                {"name": "李小红", "role": "respondent"},
            ],
            "dispute_type": world["neighbour"],
        }
        return lead_report(**(data | overrides))

    return make


def jpeg(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()
