"""A hand-counted set of cases, built through the services with the clock moved (time-machine).

青山县 (东村调委; period 2026-01-01 … 2026-03-31; "today" is 2026-03-20):

| case | registered | path | status | outcome | risk | notes |
|---|---|---|---|---|---|---|
| A | 03-18 | at 青山县 itself | intake | | low | deadline 03-21: not overdue |
| B | 03-02 | | intake | | low | deadline 03-05: overdue |
| C | 03-02 | declined, approved | archived | declined | low | |
| D | 03-03 | accepted | investigation | | high | amount 150 000 |
| E | 03-03 | reported, accepted, mediation | mediation | | critical | source police_referral |
| F | 03-04 | agreement | closure | agreement_written | low | closure deadline 03-09: overdue |
| G | 03-05 | oral agreement, visit, archived | archived | agreement_oral | low | contract; performed, 基本满意 |
| H | 03-06 | failure, approved | archived | failed | low | contract |
| I | 03-07 | withdrawn at intake, approved | archived | withdrawn | low | |
| J | 03-08 | agreement, visit, confirmation, archived | archived | agreement_written | high | performed, 满意 |
| K | 01-05 | accepted 01-05, failure 02-20 (late), approved | archived | failed | low | court_referral; 46 days |
| L | 01-10 | accepted, +20 days, agreement 02-24, approved | follow_up | agreement_written | low | 45 days; no visit |
| M | 03-09 | at 北村; agreement, approved, visit | follow_up | agreement_written | low | partially performed, 不满意 |
| Z | 2025-12-20 | outside the period | intake | | low | never counted |

白水县 (西村调委, no director there): N failed (closure, overdue), O high risk at intake (overdue),
P declined (closure, overdue), all registered in March.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings

from cases.models import Case, DisputeType, Organization, Region
from demo import seed as demo
from rollups import rollup
from tests.factories import party
from workflows import services as s

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 20)
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


def at(month: int, day: int, year: int = 2026):
    return time_machine.travel(dt.datetime(year, month, day, 9, 0, tzinfo=TZ), tick=False)


@pytest.fixture(scope="module")
def _cohort_pks(django_db_setup, django_db_blocker):
    """Built once per test module inside a transaction that is rolled back after the module;
    each test runs in its own savepoint within it (pytest-django's `db`), so a test that
    changes a case does not change what the next one reads."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        demo.seed_reference()
        pks = {key: case.pk for key, case in build_cohort().items()}
        yield pks
        transaction.set_rollback(True)


@pytest.fixture
def cohort(_cohort_pks, world):
    return {key: Case.objects.get(pk=pk) for key, pk in _cohort_pks.items()}


def build_cohort() -> dict:
    User = get_user_model()
    clerk, director, mediator, clerk_b, mediator_b = (
        User.objects.get(username=name)
        for name in ("clerk", "director", "mediator", "clerk_b", "mediator_b")
    )
    contract = DisputeType.objects.get(code="contract")
    beicun = Region.objects.get(name="北村")
    east = Organization.objects.get(short_code="东村调委")

    def accept(case, by=clerk, med=mediator):
        s.case_transition(case, "accept", actor=by, mediators=[med.pk])

    def to_mediation(case, med=mediator):
        s.record_add(
            case,
            "investigation",
            actor=med,
            conducted_at=dt.datetime.now(TZ),
            place="村委会",
            interviewee="当事人app1",
            content="了解情况",
        )
        s.case_transition(case, "start_mediation", actor=med)
        s.record_add(
            case,
            "session",
            actor=med,
            held_at=dt.datetime.now(TZ),
            place="调解室",
            attendees="双方",
            content="陈述",
            result="同意",
        )

    def agree(case, kind="written"):
        s.case_transition(
            case,
            "record_agreement",
            actor=mediator,
            kind=kind,
            terms=["支付五千元"],
            performance_method="转账",
            performance_deadline=dt.datetime.now(TZ).date() + dt.timedelta(days=10),
            amount=5000,
            signatures_complete=True,
        )

    def visit(case, performance, satisfaction):
        s.record_add(
            case,
            "follow_up",
            actor=mediator,
            visited_at=dt.datetime.now(TZ),
            method="phone",
            visitee="当事人app1",
            performance=performance,
            satisfaction=satisfaction,
        )

    def approve(case):
        s.case_transition(case, "approve_closure", actor=director)

    serial = iter(range(1, 100))

    def register_new(**overrides):
        # Different parties each time: the same two would make every later case a repeat
        # dispute (an automatic risk factor) and change the risk levels counted below.
        n = next(serial)
        data = {
            "actor": clerk,
            "organization": east,
            "region": east.region,
            "dispute_type": DisputeType.objects.get(code="neighbour"),
            "source": "application",
            "summary": "邻里因排水沟堵塞发生纠纷",
            "amount_involved": "12000",
            "parties": [party("applicant", n), party("respondent", 100 + n)],
        }
        return s.case_register(**(data | overrides))

    def register_elsewhere(region):
        # A case of 东村调委 outside its village, as an old register holds them: SPEC §12 now
        # refuses registering it there, so it is registered in 东村 and then placed where the
        # figures below count it.
        case = register_new()
        before = rollup.contribution_of(case)
        Case.objects.filter(pk=case.pk).update(region=region, region_path=region.path)
        case.region, case.region_path = region, region.path
        rollup.apply(before, rollup.contribution_of(case))  # the roll-up follows the move
        return case

    c = {}
    with at(12, 20, 2025):
        c["Z"] = register_new()
    with at(1, 5):
        c["K"] = register_new(source="court_referral")
        accept(c["K"])
        to_mediation(c["K"])
    with at(2, 20):
        s.case_transition(c["K"], "record_failure", actor=mediator, reason="分歧太大")
        approve(c["K"])
    with at(1, 10):
        c["L"] = register_new()
        accept(c["L"])
        to_mediation(c["L"])
    with at(2, 1):
        s.case_transition(
            c["L"], "extend_deadline", actor=mediator, days=20, consent=True, reason="等待鉴定"
        )
    with at(2, 24):
        agree(c["L"])
        approve(c["L"])
    with at(3, 2):
        c["B"] = register_new()
        c["C"] = register_new()
        s.case_transition(c["C"], "decline", actor=clerk, reason="不属于受理范围")
        approve(c["C"])
    with at(3, 3):
        c["D"] = register_new(risk_factors=["violence_threat"], amount_involved="150000")
        accept(c["D"])
        c["E"] = register_new(
            risk_factors=["violence_threat", "self_harm_threat"], source="police_referral"
        )
        s.case_report_risk(c["E"], actor=clerk, reported_to="派出所", reason="扬言报复")
        accept(c["E"])
        to_mediation(c["E"])
    with at(3, 4):
        c["F"] = register_new()
        accept(c["F"])
        to_mediation(c["F"])
        agree(c["F"])
    with at(3, 5):
        c["G"] = register_new(dispute_type=contract)
        accept(c["G"])
        to_mediation(c["G"])
        agree(c["G"], kind="oral")
        approve(c["G"])
        visit(c["G"], "performed", "basically_satisfied")
        s.case_transition(c["G"], "archive", actor=clerk)
    with at(3, 6):
        c["H"] = register_new(dispute_type=contract)
        accept(c["H"])
        to_mediation(c["H"])
        s.case_transition(c["H"], "record_failure", actor=mediator, reason="分歧太大")
        approve(c["H"])
    with at(3, 7):
        c["I"] = register_new()
        s.case_transition(c["I"], "withdraw", actor=clerk, party="申请人", reason="已和解")
        approve(c["I"])
    with at(3, 8):
        c["J"] = register_new(risk_factors=["violence_threat"])
        accept(c["J"])
        to_mediation(c["J"])
        agree(c["J"])
        approve(c["J"])
        s.judicial_confirmation_add(
            c["J"], actor=clerk, applied_on="2026-03-08", court="青山县人民法院"
        )
        visit(c["J"], "performed", "satisfied")
        s.case_transition(c["J"], "archive", actor=clerk)
    with at(3, 9):
        c["M"] = register_elsewhere(beicun)
        accept(c["M"])
        to_mediation(c["M"])
        agree(c["M"])
        approve(c["M"])
        visit(c["M"], "partially_performed", "unsatisfied")
    with at(3, 18):
        c["A"] = register_elsewhere(Region.objects.get(name="青山县"))

    west_org = Organization.objects.get(short_code="西村调委")
    west = {
        "actor": clerk_b,
        "organization": west_org,
        "region": west_org.region,
        "amount_involved": "1000",
    }
    with at(3, 10):
        c["N"] = register_new(**west)
        accept(c["N"], by=clerk_b, med=mediator_b)
        to_mediation(c["N"], med=mediator_b)
        s.case_transition(c["N"], "record_failure", actor=mediator_b, reason="分歧太大")
    with at(3, 11):
        c["O"] = register_new(**west, risk_factors=["violence_threat"])
    with at(3, 12):
        c["P"] = register_new(**west)
        s.case_transition(c["P"], "decline", actor=clerk_b, reason="不属于受理范围")
    return c


@pytest.fixture
def today():
    """Freeze the clock at the day the figures are read."""
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=TZ), tick=False):
        yield TODAY
