"""GET /api/v1/stats/summary/: the dashboard's figures, the SPEC §9 field names, the error
shape."""

from __future__ import annotations

import pytest
from django.urls import reverse

from supervision import access, stats
from tests.api import api, error
from tests.supervision.conftest import PERIOD

pytestmark = pytest.mark.django_db

FIELDS = {
    "region",
    "from",
    "to",
    "received",
    "accepted",
    "declined",
    "open_by_status",
    "closed_by_outcome",
    "success_rate",
    "performance_rate",
    "avg_days_to_close",
    "p90_days_to_close",
    "overdue_open",
    "high_risk_open",
    "satisfaction_rate",
    "judicial_confirmations",
    "amount_involved",
    "by_dispute_type",
    "by_source",
    "by_child_region",
}
URL = "/api/v1/stats/summary/"


def test_url_name():
    assert reverse("api:stats-summary") == URL


def test_summary_equals_the_dashboard(cohort, today, supervisor, world):
    response = api(supervisor).get(URL, PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == FIELDS
    dashboard = stats.dashboard(access.selection(supervisor, PERIOD))["summary"]
    for key in FIELDS - {"region", "from", "to", "amount_involved"}:
        if key.startswith("by_"):
            continue
        assert body[key] == dashboard[key], key
    assert body["amount_involved"] == "294000.00" == str(dashboard["amount_involved"])
    assert body["region"] == {
        "id": world["qingshan"].pk,
        "name": "青山县",
        "full_name": "青山市青山县",
    }
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-31")
    for key in ("by_dispute_type", "by_source", "by_child_region"):
        assert [r["received"] for r in body[key]] == [r["received"] for r in dashboard[key]]
        assert [r["success_rate"] for r in body[key]] == [r["success_rate"] for r in dashboard[key]]
    assert body["received"] == 13 and body["success_rate"] == 0.7143
    assert body["open_by_status"] == {
        "intake": 2,
        "investigation": 1,
        "mediation": 1,
        "closure": 1,
        "follow_up": 2,
    }
    neighbour = body["by_dispute_type"][1]
    assert (neighbour["code"], neighbour["name"], neighbour["received"]) == (
        "neighbour",
        "邻里",
        11,
    )
    assert list(body["by_child_region"][0])[:2] == ["id", "name"]


def test_city(cohort, today, supervisor_city, world):
    body = api(supervisor_city).get(URL, PERIOD | {"region": world["city"].pk}).json()
    assert body["received"] == 16 and body["overdue_open"] == 5
    assert [r["name"] for r in body["by_child_region"]] == ["青山县", "白水县"]


def test_defaults_this_year_to_today(cohort, today, supervisor):
    body = api(supervisor).get(URL).json()
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-20")
    assert body["region"]["name"] == "青山县" and body["received"] == 13


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "soon"}, "to"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"region": "abc"}, "region"),
        ({"to": ""}, "to"),
        ({"from": " "}, "from"),
        ({"region": ""}, "region"),
    ],
)
def test_bad_input_400(cohort, today, supervisor, params, field):
    err = error(api(supervisor).get(URL, params), 400, "invalid")
    assert field in err["fields"] and err["fields"][field][0]


def test_region_outside_scope_404(cohort, today, supervisor, outsider, world):
    error(api(supervisor).get(URL, {"region": world["baishui"].pk}), 404, "not_found")
    error(api(outsider).get(URL, {"region": world["qingshan"].pk}), 404, "not_found")
    error(api(supervisor).get(URL, {"region": 999999}), 404, "not_found")


def test_wrong_role_403_anonymous_401(cohort, today, mediator):
    err = error(api(mediator).get(URL), 403, "permission_denied")
    assert "督导员" in err["message"]
    error(api().get(URL), 401, "not_authenticated")


def test_schema_documents_the_endpoint(admin_user):
    schema = api(admin_user).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/stats/summary/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"region", "from", "to"}
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["properties"]) == FIELDS
