"""The SPEC §7 figures against the hand-counted cases of conftest.py, for a county and for the
city, and for every role that may read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from core.errors import InvalidInput, NotFound, PermissionDenied
from supervision import access, ranking, stats
from tests.supervision.conftest import PERIOD, TZ
from workflows import services as s

pytestmark = pytest.mark.django_db

QINGSHAN = {
    "received": 13,
    "accepted": 9,
    "declined": 1,
    "open_by_status": {
        "intake": 2,
        "investigation": 1,
        "mediation": 1,
        "closure": 1,
        "follow_up": 2,
    },
    "closed_by_outcome": {
        "declined": 1,
        "agreement_written": 4,
        "agreement_oral": 1,
        "failed": 2,
        "withdrawn": 1,
    },
    "success_rate": 0.7143,  # 5 ÷ (5 + 2)
    "performance_rate": 0.6667,  # G, J performed ÷ G, J, M visited
    "follow_up_rate": 0.75,  # G, J, M visited ÷ G, J, L, M approved with an agreement
    # closed in time: all but K (failure 16 days after its deadline) = 8, ÷ (9 closed + B, F
    # open past their deadline): an overdue open case is late (it was 8 ÷ 9 = 0.8889 before)
    "timeliness_rate": 0.7273,
    "avg_days_to_close": 10.1,  # (46 + 45) ÷ 9
    "p90_days_to_close": 45.2,  # [0 × 7, 45, 46] at position 7.2
    "overdue_open": 2,  # B (intake), F (closure)
    "high_risk_open": 2,  # D high, E critical (J high but archived)
    "satisfaction_rate": 0.6667,  # G 基本满意, J 满意, M 不满意
    "judicial_confirmations": 1,  # J
    "amount_involved": Decimal("294000.00"),  # 12 × 12 000 + 150 000
    "escalations_prevented": 1,  # J: high risk, agreement
}
CITY = QINGSHAN | {
    "received": 16,
    "accepted": 10,
    "declined": 2,
    "open_by_status": QINGSHAN["open_by_status"] | {"intake": 3, "closure": 3},
    "closed_by_outcome": QINGSHAN["closed_by_outcome"] | {"declined": 2, "failed": 3},
    "success_rate": 0.625,  # 5 ÷ (5 + 3)
    "timeliness_rate": 0.625,  # 10 ÷ (11 closed + 5 overdue open); was 10 ÷ 11
    "avg_days_to_close": 8.3,  # 91 ÷ 11
    "p90_days_to_close": 45.0,  # [0 × 9, 45, 46] at position 0.9 × 10 = 9
    "overdue_open": 5,  # + N, O, P
    "high_risk_open": 3,  # + O
    "amount_involved": Decimal("297000.00"),
}


def summary(user, **params):
    return stats.summary(access.selection(user, PERIOD | params))


def check(figures: dict, expected: dict) -> None:
    assert {k: figures[k] for k in expected} == expected


def test_county_figures_for_its_supervisor(cohort, today, supervisor):
    check(summary(supervisor), QINGSHAN)


def test_city_figures(cohort, today, supervisor_city, world):
    check(summary(supervisor_city, region=str(world["city"].pk)), CITY)


def test_county_supervisor_never_counts_baishui(cohort, today, supervisor, world):
    # Their home region is 青山县; asking for the city or for 白水县 finds no such region.
    assert access.selection(supervisor, PERIOD).region == world["qingshan"]
    for region in (world["city"], world["baishui"], world["west_village"]):
        with pytest.raises(NotFound):
            summary(supervisor, region=str(region.pk))
    # A 白水县 case is still not in any figure, list or breakdown of theirs.
    sel = access.selection(supervisor, PERIOD)
    assert not sel.cases().filter(organization=world["west"]).exists()
    assert cohort["O"].pk not in [c.pk for c in stats.high_risk_cases(sel)]
    assert cohort["N"].pk not in [c.pk for c in stats.overdue_cases(sel)]


def test_city_supervisor_sees_the_county_like_its_supervisor(
    cohort, today, supervisor_city, admin_user, world
):
    for user in (supervisor_city, admin_user):
        check(summary(user, region=str(world["qingshan"].pk)), QINGSHAN)


def test_baishui_only(cohort, today, supervisor_city, world):
    figures = summary(supervisor_city, region=str(world["baishui"].pk))
    assert figures["received"] == 3
    assert figures["closed_by_outcome"]["failed"] == 1
    assert figures["overdue_open"] == 3 and figures["high_risk_open"] == 1
    assert figures["success_rate"] == 0.0 and figures["satisfaction_rate"] is None


def test_committee_roles_see_their_committee_only(cohort, today, director, clerk, outsider):
    # 东村调委 members: their village subtree (not A at the county, not M at 北村).
    for user in (director, clerk):
        figures = summary(user)
        assert figures["received"] == 11
        assert figures["closed_by_outcome"]["failed"] == 2
    figures = summary(outsider)  # clerk_b: 西村, where all three 白水县 cases are
    assert figures["received"] == 3
    assert [(r["name"], r["received"]) for r in figures["by_child_region"]] == [("西村（本级）", 3)]


def test_mediator_and_user_without_membership_get_403(cohort, today, mediator):
    from tests.factories import UserFactory

    for user in (mediator, UserFactory()):
        with pytest.raises(PermissionDenied):
            summary(user)


def test_the_period_is_registration_dates_inclusive(cohort, today, supervisor):
    assert summary(supervisor, **{"from": "2026-03-18", "to": "2026-03-18"})["received"] == 1
    assert summary(supervisor, **{"from": "2026-01-05", "to": "2026-01-10"})["received"] == 2
    assert summary(supervisor, **{"from": "2025-12-20", "to": "2025-12-20"})["received"] == 1
    assert summary(supervisor, **{"from": "2026-03-19", "to": "2026-03-31"})["received"] == 0


def test_empty_period_has_no_rates(cohort, today, supervisor):
    figures = summary(supervisor, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert figures["received"] == 0
    for rate in ("success_rate", "performance_rate", "satisfaction_rate", "avg_days_to_close"):
        assert figures[rate] is None
    assert figures["p90_days_to_close"] is None
    assert figures["amount_involved"] == Decimal("0.00")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"from": "1900-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"region": "东村"}, "region"),
    ],
)
def test_bad_input_is_explained(cohort, today, supervisor, params, field):
    with pytest.raises(InvalidInput) as exc:
        summary(supervisor, **params)
    assert field in exc.value.fields
    assert exc.value.message.startswith("查询条件有误") or field == "region"


def test_breakdowns(cohort, today, supervisor, world):
    figures = summary(supervisor)
    types = {r["code"]: r for r in figures["by_dispute_type"]}
    assert types["neighbour"]["received"] == 11 and types["contract"]["received"] == 2
    assert types["contract"]["success_rate"] == 0.5  # G oral agreement, H failed
    assert types["neighbour"]["success_rate"] == 0.8  # F, J, L, M ÷ + K
    assert sum(r["received"] for r in figures["by_dispute_type"]) == 13
    sources = {r["source"]: r["received"] for r in figures["by_source"]}
    assert sources == {
        "application": 11,
        "own_initiative": 0,
        "police_referral": 1,
        "court_referral": 1,
        "petition_referral": 0,
        "grid_report": 0,
        "other": 0,
    }
    regions = {r["name"]: r for r in figures["by_child_region"]}
    assert set(regions) == {"东镇", "北镇", "青山县（本级）"}
    assert [regions[n]["received"] for n in ("东镇", "北镇", "青山县（本级）")] == [11, 1, 1]
    assert regions["东镇"]["overdue_open"] == 2 and regions["东镇"]["high_risk_open"] == 2
    assert regions["北镇"]["closed_by_outcome"]["agreement_written"] == 1


def test_city_breakdown_by_county(cohort, today, supervisor_city, world):
    rows = summary(supervisor_city, region=str(world["city"].pk))["by_child_region"]
    assert [(r["name"], r["received"], r["overdue_open"]) for r in rows] == [
        ("青山县", 13, 2),
        ("白水县", 3, 3),
    ]


def test_monthly_trend(cohort, today, supervisor):
    sel = access.selection(supervisor, PERIOD)
    months = stats.summary(sel)["monthly"]
    assert [m["month"] for m in months] == ["2026-01", "2026-02", "2026-03"]
    assert [m["received"] for m in months] == [2, 0, 11]
    assert [m["agreements"] for m in months] == [1, 0, 4]
    assert months[0]["success_rate"] == 0.5 and months[1]["success_rate"] is None


def test_lists_for_supervision(cohort, today, supervisor):
    sel = access.selection(supervisor, PERIOD)
    assert [c.pk for c in stats.overdue_cases(sel)] == [cohort["B"].pk, cohort["F"].pk]
    assert [c.pk for c in stats.high_risk_cases(sel)] == [cohort["E"].pk, cohort["D"].pk]


def test_statistics_table_rows_add_up_to_the_totals(cohort, today, supervisor):
    table = stats.statistics_table(access.selection(supervisor, PERIOD))
    rows = table["rows"]
    for key in ("received", "judicial_confirmations", "escalations_prevented", "amount_involved"):
        assert sum(r[key] for r in rows) == table["totals"][key]
    for outcome, n in table["totals"]["closed_by_outcome"].items():
        assert sum(r["closed_by_outcome"][outcome] for r in rows) == n
    neighbour = next(r for r in rows if r["code"] == "neighbour")
    assert neighbour["performance_rate"] == 0.5  # J performed, M partially
    assert neighbour["judicial_confirmations"] == 1 and neighbour["escalations_prevented"] == 1
    check(
        table["totals"], {k: QINGSHAN[k] for k in ("received", "success_rate", "amount_involved")}
    )


def test_ranking_explains_each_score(cohort, today, supervisor):
    sel = access.selection(supervisor, PERIOD)
    weights = {"success": 40, "timeliness": 20, "follow_up": 20, "satisfaction": 20}
    result = ranking.ranking(sel, weights=weights)
    assert [(r["region"]["name"], r["rank"], r["score"]) for r in result] == [
        ("北镇", 1, 80.0),  # M: 1/1, 1/1, 1/1 visited, 0/1 satisfied → 40 + 20 + 20 + 0
        # 按期办结 7 ÷ (8 closed + B, F open past their deadline) — it was 7/8 and 77.5
        ("东镇", 2, 74.0),  # 4/6·40 + 7/10·20 + 2/3·20 + 2/2·20 = 26.7 + 14 + 13.3 + 20
    ]
    parts = {p["key"]: p for p in result[1]["parts"]}
    assert (parts["success"]["num"], parts["success"]["den"], parts["success"]["points"]) == (
        4,
        6,
        26.7,
    )
    assert parts["timeliness"]["rate"] == 0.7


def test_ranking_leaves_out_a_rate_without_data(cohort, today, supervisor):
    sel = access.selection(supervisor, PERIOD)
    only_satisfaction = {"success": 0, "timeliness": 0, "follow_up": 0, "satisfaction": 10}
    result = {r["region"]["name"]: r for r in ranking.ranking(sel, weights=only_satisfaction)}
    assert result["东镇"]["score"] == 100.0 and result["北镇"]["score"] == 0.0
    with_march = access.selection(supervisor, {"from": "2026-03-18", "to": "2026-03-18"})
    empty = ranking.ranking(with_march, weights=only_satisfaction)
    assert all(r["score"] is None and r["rank"] is None for r in empty)


def test_weights_are_a_singleton_admin_only(rf, admin_user, supervisor):
    from django.contrib.admin.sites import site

    from supervision.models import RankingWeights

    model_admin = site._registry[RankingWeights]
    request = rf.get("/")
    request.user = supervisor
    supervisor.is_staff = True
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_module_permission(request)
    request.user = admin_user
    assert model_admin.has_change_permission(request) and model_admin.has_add_permission(request)
    RankingWeights.objects.create(success=50)
    assert not model_admin.has_add_permission(request)
    assert RankingWeights.current().success == 50


def test_figures_follow_the_cases_without_precomputation(cohort, today, supervisor, mediator):
    """Nothing is cached: a transition shows in the next reading."""
    before = summary(supervisor)
    with time_machine.travel(dt.datetime(2026, 3, 20, 11, 0, tzinfo=TZ), tick=False):
        s.case_transition(cohort["E"], "record_failure", actor=mediator, reason="分歧太大")
    after = summary(supervisor)
    assert after["closed_by_outcome"]["failed"] == before["closed_by_outcome"]["failed"] + 1
    assert after["open_by_status"]["mediation"] == 0
    assert after["high_risk_open"] == 2  # still open (closure), still critical
    assert after["success_rate"] == 0.625


def test_percentile_fallback_matches_the_definition(cohort, today, supervisor):
    sel = access.selection(supervisor, PERIOD)
    # [0 × 7, 45, 46]: the median is 0, the 90th percentile 45.2, the maximum 46.
    assert stats._percentile_fallback(sel, 0.5, 9) == 0
    assert round(stats._percentile_fallback(sel, 0.9, 9), 1) == 45.2
    assert stats._percentile_fallback(sel, 1.0, 9) == pytest.approx(46)


def test_a_scope_rule_with_an_expression_still_scopes_visits(
    cohort, today, supervisor, monkeypatch
):
    """Visits and confirmations reuse the scope through their case FK; a rule that cannot be
    re-rooted there falls back to filtering by the cases themselves, with the same figures."""
    from django.db.models import Exists, OuterRef, Q

    from cases.models import Case

    original = stats.case_scope_q
    monkeypatch.setattr(
        stats,
        "case_scope_q",
        lambda user: original(user) & Q(Exists(Case.objects.filter(pk=OuterRef("pk")))),
    )
    figures = summary(supervisor)
    assert figures["visits"] == 3 and figures["judicial_confirmations"] == 1
    check(figures, {k: QINGSHAN[k] for k in ("satisfaction_rate", "performance_rate")})
