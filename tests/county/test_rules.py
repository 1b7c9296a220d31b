"""以案定补 rules (SPEC §15) one by one: the class the rules propose (amount, people involved,
risk level, cross-region), the tariff's shares for oral agreements and for properly
terminated mediations (kept when the township changes the class), and each eligibility gate
with a file that fails that gate alone — so each test fails for its own reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from county import subsidy
from county.models import ClaimEvent
from documents.models import Document
from tests.county.conftest import TZ, at, pair
from tests.factories import party, walk_to
from workflows import services as s

pytestmark = pytest.mark.django_db

FULL = {"acceptance": 10, "materials": 20, "documents": 15, "evidence": 15, "law": 15,
        "follow_up": 15, "filing": 10}  # fmt: skip


@pytest.fixture
def tariff(world, supervisor):
    """一般 100, 较大 200, 疑难复杂 333.33, 重大 500; oral 50 %, terminated 25 %."""
    with at(6, 20):
        return s.tariff_set(
            actor=supervisor,
            region=world["qingshan"],
            valid_from="2026-07-01",
            amounts={"ordinary": 100, "major": 200, "complex": "333.33", "grave": 500},
            oral_share="0.5",
            terminated_share="0.25",
        )


@pytest.fixture
def people(clerk, director, mediator):
    return {"clerk": clerk, "mediator": mediator, "director": director}


def draft(director, world, period="2026-Q3"):
    with at(10, 5):
        return s.claim_draft(actor=director, organization=world["east"], period=period)


# --- class proposal -----------------------------------------------------------------------
def many(n: int) -> list[dict]:
    return [party("applicant" if i == 1 else "respondent", i) for i in range(1, n + 1)]


CROSS = [party("applicant", 1), party("respondent", 2, address="西村3组")]


@pytest.mark.parametrize(
    ("overrides", "difficulty", "reason"),
    [
        ({}, "ordinary", "未达到较大纠纷的标准"),
        ({"amount_involved": "19999.99"}, "ordinary", "未达到较大纠纷的标准"),
        ({"amount_involved": "20000"}, "major", "涉及金额20000.00元（≥20000元）"),
        ({"amount_involved": "500000"}, "grave", "涉及金额500000.00元（≥500000元）"),
        ({"parties": many(4)}, "ordinary", "未达到较大纠纷的标准"),
        ({"parties": many(5)}, "major", "涉及当事人5人（≥5人）"),
        ({"parties": many(10)}, "complex", "涉及当事人10人（≥10人）"),
        ({"parties": many(30)}, "grave", "涉及当事人30人（≥30人）"),
        # petition history 15 + vulnerable party 10 = 25 points: 中
        ({"risk_factors": ["petition_history", "vulnerable_party"]}, "major", "风险等级为中"),
        ({"risk_factors": ["violence_threat"]}, "complex", "风险等级为高"),  # 40: 高
        ({"risk_factors": ["violence_threat", "self_harm_threat"]}, "grave", "风险等级为重大"),
        ({"parties": CROSS}, "major", "跨区域纠纷"),  # the parties live in two villages
        ({"parties": CROSS, "amount_involved": "60000"}, "complex", "跨区域且涉及金额≥50000元"),
    ],
    ids=[
        "ordinary", "amount-below-major", "amount-major", "amount-grave", "people-4",
        "people-5", "people-10", "people-30", "risk-medium", "risk-high", "risk-critical",
        "cross-region", "cross-region-and-50000",
    ],
)  # fmt: skip
def test_the_class_the_rules_propose(register, overrides, difficulty, reason):
    case = register(**({"amount_involved": "12000"} | overrides))
    case.refresh_from_db()  # as the claim reads it
    proposed, reasons = subsidy.propose(case)
    assert (proposed, reasons) == (difficulty, [reason])


def test_every_rule_a_case_meets_is_given_as_a_reason(register):
    case = register(amount_involved="150000", parties=many(10), risk_factors=["violence_threat"])
    case.refresh_from_db()
    assert subsidy.propose(case) == (
        "complex",
        ["涉及金额150000.00元（≥100000元）", "涉及当事人10人（≥10人）", "风险等级为高"],
    )


def test_the_proposal_and_its_reasons_are_on_the_claim_line(
    world, tariff, people, register, director
):
    with at(7, 2):
        crowd = walk_to(register(parties=many(5)), "archived", **people)
        risky = register(parties=pair(10), risk_factors=["petition_history", "vulnerable_party"])
        walk_to(risky, "archived", **people)
    claim = draft(director, world)
    lines = {line.case_id: line for line in claim.lines.all()}
    assert (lines[crowd.pk].proposed_difficulty, lines[crowd.pk].amount) == ("major", 200)
    assert lines[crowd.pk].proposal_reasons == ["涉及当事人5人（≥5人）"]
    assert lines[risky.pk].proposal_reasons == ["风险等级为中"]
    assert lines[risky.pk].difficulty == "major" and lines[risky.pk].amount == 200


# --- the tariff's shares ------------------------------------------------------------------
def oral_walk(case, *, clerk, mediator, director):
    walk_to(case, "session_held", clerk=clerk, mediator=mediator, director=director)
    s.case_transition(case, "record_agreement", actor=mediator, kind="oral",
                      terms=["返还借款三千元"], performance_deadline=dt.date(2026, 7, 20))  # fmt: skip
    s.case_transition(case, "approve_closure", actor=director)
    s.record_add(case, "follow_up", actor=mediator, visited_at=dt.datetime.now(TZ),
                 method="phone", visitee="当事人app1", performance="performed",
                 satisfaction="satisfied")  # fmt: skip
    s.case_transition(case, "archive", actor=clerk)
    return case


def test_oral_and_terminated_cases_are_paid_their_share(
    world, tariff, people, register, director, township, mediator
):
    with at(7, 2):
        oral = oral_walk(register(parties=pair(1)), **people)
        oral_big = oral_walk(register(parties=pair(3), amount_involved="150000"), **people)
        ended = walk_to(register(parties=pair(5)), "session_held", **people)
        s.case_transition(ended, "record_failure", actor=mediator, reason="双方分歧较大")
        s.case_transition(ended, "approve_closure", actor=director)
        gone = walk_to(register(parties=pair(7)), "mediation", **people)
        s.case_transition(gone, "withdraw", actor=mediator, party="当事人app7", reason="已和解")
        s.case_transition(gone, "approve_closure", actor=director)
    claim = draft(director, world)
    lines = {line.case_id: line for line in claim.lines.all()}
    assert (lines[oral.pk].basis, lines[oral.pk].amount) == ("oral", Decimal("50.00"))
    # 333.33 × 50 % = 166.665, to the cent half up
    assert (lines[oral_big.pk].basis, lines[oral_big.pk].amount) == ("oral", Decimal("166.67"))
    assert (lines[ended.pk].basis, lines[ended.pk].amount) == ("terminated", Decimal("25.00"))
    # a withdrawal is neither a performed agreement nor a properly terminated mediation
    assert gone.pk not in lines
    assert {e["case"]: e["gaps"] for e in claim.excluded} == {
        gone.pk: ["既未达成协议并履行，也不是依法终止的调解"]
    }
    assert claim.total == Decimal("241.67")

    # a class changed at the township keeps the line's share of the tariff
    with at(10, 6):
        s.claim_transition(claim, "submit", actor=director)
        s.claim_transition(claim, "review", actor=township, lines=[
            {"id": lines[ended.pk].pk, "difficulty": "major", "reason": "涉及多户，终止前调解三次"},
            {"id": lines[oral.pk].pk, "difficulty": "complex", "reason": "涉及继承，法律关系复杂"},
        ])  # fmt: skip
    for line in lines.values():
        line.refresh_from_db()
    assert lines[ended.pk].amount == Decimal("50.00")  # 200 × 25 %
    assert lines[oral.pk].amount == Decimal("166.67")  # 333.33 × 50 %
    assert sum(sh.amount for sh in lines[ended.pk].shares.all()) == Decimal("50.00")
    claim.refresh_from_db()
    assert claim.total == Decimal("383.34")


# --- the eligibility gates ----------------------------------------------------------------
def visit(case, mediator, hour: int, performance: str) -> None:
    s.record_add(case, "follow_up", actor=mediator,
                 visited_at=dt.datetime(2026, 7, 2, hour, 0, tzinfo=TZ), method="phone",
                 visitee="当事人app1", performance=performance, satisfaction="satisfied")  # fmt: skip


def test_each_gate_alone_keeps_a_case_out(
    world, tariff, people, register, director, supervisor, clerk, mediator
):
    """Five files archived in 2026-Q3: one that counts, and four that each fail one gate."""
    with at(7, 2):
        fine = walk_to(register(parties=pair(1)), "archived", **people)
        # performed when first visited, no longer at the last visit
        unpaid = walk_to(register(parties=pair(3)), "follow_up", **people)
        visit(unpaid, mediator, 8, "performed")
        visit(unpaid, mediator, 9, "not_performed")
        s.case_transition(unpaid, "archive", actor=clerk)
        # not performed at first, partly at the last visit: counts in full
        partly = walk_to(register(parties=pair(5)), "follow_up", **people)
        visit(partly, mediator, 8, "not_performed")
        visit(partly, mediator, 9, "partially_performed")
        s.case_transition(partly, "archive", actor=clerk)
        incomplete = walk_to(register(parties=pair(7)), "archived", **people)
        unvisited = walk_to(register(parties=pair(9)), "archived", **people)
        failed = walk_to(register(parties=pair(11)), "archived", **people)
    # the investigation record's document failed to render: the dossier lacks it
    Document.objects.filter(case=incomplete, code="INV").update(status=Document.Status.FAILED)
    # the services archive no case without a visit (workflows.transitions.guard_archive); the
    # gate still holds for a file whose visit is gone (entered or changed outside them)
    unvisited.followupvisits.all().delete()
    with at(10, 3):
        round_ = s.review_open(actor=supervisor, region=world["qingshan"],
                               period_from="2026-07-01", period_to="2026-09-30", other_pct=100)  # fmt: skip
    items = {i.case_id: i for i in round_.items.all()}
    assert items[failed.pk].prefill["materials"] == [20, "卷宗材料齐全"]  # complete, visited
    low = FULL | {"evidence": 0, "law": 0, "acceptance": 0, "filing": 0}  # 50: 不合格
    s.review_score(items[failed.pk], actor=supervisor, scores=low)
    passed = FULL | {"evidence": 5, "law": 5, "filing": 5}  # 75: 合格
    s.review_score(items[fine.pk], actor=supervisor, scores=passed)
    assert (items[fine.pk].grade, items[failed.pk].grade) == ("passed", "failed")

    claim = draft(director, world)
    assert {line.case_id: line.amount for line in claim.lines.all()} == {
        fine.pk: Decimal("100.00"),  # 合格 in the review: still counts
        partly.pk: Decimal("100.00"),
    }
    assert {e["case"]: e["gaps"] for e in claim.excluded} == {
        unpaid.pk: ["协议未履行"],
        incomplete.pk: ["卷宗材料不齐全"],
        unvisited.pk: ["未回访"],
        failed.pk: ["卷宗评查不合格"],
    }
    # the document rendered again: the same file counts when the claim is redrawn
    Document.objects.filter(case=incomplete, code="INV").update(status=Document.Status.ISSUED)
    claim = draft(director, world)
    assert incomplete.pk in set(claim.lines.values_list("case", flat=True))
    assert incomplete.pk not in {e["case"] for e in claim.excluded}
    redraft = ClaimEvent.objects.filter(claim=claim, name="redraft").get()
    assert redraft.changes == {"lines": 3, "total": "300.00"}


def test_every_claim_event_has_words():
    """The claim page's timeline names each step as its button does (county.models.EVENT_LABELS)."""
    from county.models import EVENT_LABELS
    from workflows.services.subsidies import STEPS

    assert {name: EVENT_LABELS.get(name) for name in STEPS} == {
        name: step.label for name, step in STEPS.items()
    }
