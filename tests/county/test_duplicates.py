"""以案定补's 90-day rule (SPEC §15): the same parties with the same dispute type within 90
days count once, flagged. What is not a duplicate (91 days apart, other parties, another
type); a duplicate of a case counted in an earlier quarter's claim, either way round; and the
township striking the counted line of a split case: the rule counts the dispute once among
the lines that are paid, so its duplicate is paid instead, re-priced and flagged, and the
review's event records why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from cases.models import DisputeType
from county.models import ClaimEvent
from tests.county.conftest import at, pair
from tests.factories import party, walk_to
from workflows import services as s
from workflows.services.subsidies import flag_labels, mediator_totals, published_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def tariff(world, supervisor):
    with at(3, 20):
        return s.tariff_set(
            actor=supervisor,
            region=world["qingshan"],
            valid_from="2026-04-01",
            amounts={"ordinary": 100, "major": 200, "complex": 300, "grave": 500},
        )


@pytest.fixture
def archived(register, clerk, director, mediator):
    def make(**overrides):
        case = register(**overrides)
        return walk_to(case, "archived", clerk=clerk, mediator=mediator, director=director)

    return make


def draft(director, world, period="2026-Q3", day=(10, 5)):
    with at(*day):
        return s.claim_draft(actor=director, organization=world["east"], period=period)


def amounts(claim) -> dict[int, tuple[Decimal, int | None]]:
    return {line.case_id: (line.amount, line.duplicate_of_id) for line in claim.lines.all()}


def test_91_days_apart_both_count_90_days_apart_once(world, tariff, archived, director):
    with at(7, 1):
        first, other = archived(parties=pair(1)), archived(parties=pair(3))
    with at(9, 29):
        within = archived(parties=pair(3))  # 90 days after `other`
    with at(9, 30):
        beyond = archived(parties=pair(1))  # 91 days after `first`
    claim = draft(director, world)
    assert amounts(claim) == {
        first.pk: (Decimal("100.00"), None),
        beyond.pk: (Decimal("100.00"), None),
        other.pk: (Decimal("100.00"), None),
        within.pk: (Decimal("0.00"), other.pk),
    }
    assert claim.lines.get(case=beyond).flags == []
    assert claim.total == Decimal("300.00")


def test_other_parties_or_another_type_are_not_duplicates(world, tariff, archived, director):
    contract = DisputeType.objects.get(code="contract", taxonomy__is_current=True)
    with at(7, 2):
        first = archived(parties=pair(1))
    with at(7, 20):  # one of the two parties is someone else
        others = archived(parties=[party("applicant", 1), party("respondent", 3)])
    with at(8, 1):  # the same two parties, a contract dispute
        contract_case = archived(parties=pair(1), dispute_type=contract)
    with at(8, 10):  # the same two people the other way round: the same parties
        swapped = archived(parties=[party("applicant", 2), party("respondent", 1)])
    claim = draft(director, world)
    assert amounts(claim) == {
        first.pk: (Decimal("100.00"), None),
        others.pk: (Decimal("100.00"), None),
        contract_case.pk: (Decimal("100.00"), None),
        swapped.pk: (Decimal("0.00"), first.pk),
    }
    assert flag_labels(claim.lines.get(case=swapped)) == [
        f"90日内同一当事人同类纠纷，只计一次（与{first.number}合并）"
    ]


def test_duplicates_of_cases_in_another_quarters_claim(
    world, tariff, archived, register, director, township, clerk, mediator
):
    with at(6, 10):
        paid, struck = archived(parties=pair(1)), archived(parties=pair(3))
    with at(6, 15):  # registered in Q2, mediated for months, archived in Q4
        slow = walk_to(register(parties=pair(5)), "follow_up", clerk=clerk, mediator=mediator,
                       director=director)  # fmt: skip
    q2 = draft(director, world, "2026-Q2", day=(7, 3))
    assert set(amounts(q2)) == {paid.pk, struck.pk}
    with at(7, 4):
        s.claim_transition(q2, "submit", actor=director)
        s.claim_transition(q2, "review", actor=township, lines=[
            {"id": q2.lines.get(case=struck).pk, "struck": True, "reason": "卷宗缺当事人签名"},
        ])  # fmt: skip
    with at(7, 1):
        quick = archived(parties=pair(5))  # 16 days after `slow` was registered
    with at(8, 1):
        again = archived(parties=pair(1))  # 52 days after `paid`, counted in Q2
    with at(8, 2):
        after_struck = archived(parties=pair(3))  # `struck` was not paid in Q2
    q3 = draft(director, world, day=(10, 2))
    assert amounts(q3) == {
        quick.pk: (Decimal("100.00"), None),
        again.pk: (Decimal("0.00"), paid.pk),
        after_struck.pk: (Decimal("100.00"), None),
    }
    assert flag_labels(q3.lines.get(case=again)) == [
        f"90日内同一当事人同类纠纷，只计一次（与{paid.number}合并）"
    ]
    with at(10, 3):
        s.record_add(slow, "follow_up", actor=mediator, visited_at="2026-10-03T09:00",
                     method="phone", visitee="当事人app5", performance="performed",
                     satisfaction="satisfied")  # fmt: skip
        s.case_transition(slow, "archive", actor=clerk)
    # registered before `quick` but archived a quarter later: `quick` was counted first
    q4 = draft(director, world, "2026-Q4")
    assert amounts(q4) == {slow.pk: (Decimal("0.00"), quick.pk)}
    assert q4.total == 0


@pytest.fixture
def split_cases(world, tariff, archived):
    """2026-Q3 of 东村调委: three split disputes.
    A: `a` (7-02) counted, `b` (8-31) its duplicate;
    C: `c` (7-01) counted, `d` (8-15) its duplicate, `e` (9-30) counted (91 days after `c`,
       but 46 after `d`);
    F: `f` (7-02) counted, `g` (8-31) its duplicate."""
    cases = {}
    with at(7, 1):
        cases["c"] = archived(parties=pair(3))
    with at(7, 2):
        cases["a"], cases["f"] = archived(parties=pair(1)), archived(parties=pair(5))
    with at(8, 15):
        cases["d"] = archived(parties=pair(3))
    with at(8, 31):
        cases["b"], cases["g"] = archived(parties=pair(1)), archived(parties=pair(5))
    with at(9, 30):
        cases["e"] = archived(parties=pair(3))
    return cases


def test_striking_the_counted_case_pays_its_duplicate(
    world, split_cases, director, township, supervisor
):
    c = split_cases
    claim = draft(director, world)
    lines = {k: claim.lines.get(case=case) for k, case in c.items()}
    assert amounts(claim) == {
        c["a"].pk: (Decimal("100.00"), None), c["b"].pk: (Decimal("0.00"), c["a"].pk),
        c["c"].pk: (Decimal("100.00"), None), c["d"].pk: (Decimal("0.00"), c["c"].pk),
        c["e"].pk: (Decimal("100.00"), None),
        c["f"].pk: (Decimal("100.00"), None), c["g"].pk: (Decimal("0.00"), c["f"].pk),
    }  # fmt: skip
    assert claim.total == Decimal("400.00")
    edits = [
        # a duplicate's class changed: still 0 while it is a duplicate …
        {"id": lines["b"].pk, "difficulty": "major", "reason": "涉及宅基地界址，难度较大"},
        # … until the case counted in its place is struck for its own fault
        {"id": lines["a"].pk, "struck": True, "reason": "系镇调委会受理调解，非本会案件"},
        {"id": lines["c"].pk, "struck": True, "reason": "卷宗缺调解笔录原件"},
        # to pay neither case of a split dispute, the township strikes both
        {"id": lines["g"].pk, "struck": True, "reason": "与前案系同一纠纷拆分申报"},
        {"id": lines["f"].pk, "struck": True, "reason": "当事人否认经过调解"},
    ]
    with at(10, 6):
        s.claim_transition(claim, "submit", actor=director)
        s.claim_transition(claim, "review", actor=township, lines=edits)
    for line in lines.values():
        line.refresh_from_db()
    claim.refresh_from_db()

    # A: `b` is paid now, at the class the township set, flagged as counted instead
    assert (lines["a"].struck, lines["a"].amount) == (True, 0)
    b = lines["b"]
    assert (b.struck, b.duplicate_of_id, b.amount) == (False, None, Decimal("200.00"))
    assert b.flags == ["class_changed", "duplicate_released"]
    assert flag_labels(b) == ["类别已调整", "同一纠纷原计入的案件已核减，本案改为计入"]
    assert sum(sh.amount for sh in b.shares.all()) == Decimal("200.00")
    # C: `d` is counted in `c`'s place, so `e`, 46 days after it, is now its duplicate
    assert (lines["d"].duplicate_of_id, lines["d"].amount) == (None, Decimal("100.00"))
    assert lines["d"].flags == ["duplicate_released"]
    assert (lines["e"].duplicate_of_id, lines["e"].amount) == (c["d"].pk, 0)
    assert flag_labels(lines["e"]) == [
        f"90日内同一当事人同类纠纷，只计一次（与{c['d'].number}合并）"
    ]
    # F: both struck, neither paid
    assert [(lines[k].struck, lines[k].amount) for k in "fg"] == [(True, 0), (True, 0)]
    assert lines["g"].duplicate_of_id == c["f"].pk
    assert claim.total == Decimal("300.00")
    assert sum(amount for _u, amount in mediator_totals(claim)) == claim.total

    # the review's event: every edit with its reason, and what the recount changed and why
    review = ClaimEvent.objects.get(claim=claim, name="review")
    assert (review.actor, review.from_status, review.to_status) == (
        township,
        "submitted",
        "township_reviewed",
    )
    assert review.changes["lines"] == [
        {"line": b.pk, "case": c["b"].number, "reason": edits[0]["reason"],
         "difficulty": ["ordinary", "major"]},
        *({"line": lines[k].pk, "case": c[k].number, "reason": edit["reason"], "struck": True}
          for k, edit in zip("acgf", edits[1:], strict=True)),
    ]  # fmt: skip
    assert review.changes["recounted"] == [
        {"line": lines["d"].pk, "case": c["d"].number, "duplicate_of": [c["c"].number, None],
         "amount": ["0.00", "100.00"], "because_struck": [c["c"].number]},
        {"line": b.pk, "case": c["b"].number, "duplicate_of": [c["a"].number, None],
         "amount": ["0.00", "200.00"], "because_struck": [c["a"].number]},
        {"line": lines["e"].pk, "case": c["e"].number, "duplicate_of": [None, c["d"].number],
         "amount": ["100.00", "0.00"], "because_struck": [c["c"].number]},
    ]  # fmt: skip
    assert review.changes["total"] == "300.00"

    # the claim page and the 公示 list show why `b` is paid
    page = Client()
    page.force_login(director)
    html = page.get(f"/county/claims/{claim.pk}/").content.decode()
    assert "同一纠纷原计入的案件已核减，本案改为计入" in html
    with at(10, 8):
        s.claim_transition(claim, "approve", actor=supervisor)
        s.claim_transition(claim, "publish", actor=supervisor)
    row = {r["number"]: r for r in published_lines(claim)}[c["b"].number]
    assert (row["amount"], row["flags"]) == (Decimal("200.00"), flag_labels(b))


def test_a_strike_elsewhere_leaves_the_duplicates_alone(world, split_cases, director, township):
    c = split_cases
    claim = draft(director, world)
    with at(10, 6):
        s.claim_transition(claim, "submit", actor=director)
        s.claim_transition(claim, "review", actor=township, lines=[
            # striking a duplicate changes nothing for the case counted
            {"id": claim.lines.get(case=c["b"]).pk, "struck": True, "reason": "重复申报"},
            {"id": claim.lines.get(case=c["e"]).pk, "struck": True, "reason": "未经调解"},
        ])  # fmt: skip
    claim.refresh_from_db()
    assert amounts(claim) == {
        c["a"].pk: (Decimal("100.00"), None), c["b"].pk: (Decimal("0.00"), c["a"].pk),
        c["c"].pk: (Decimal("100.00"), None), c["d"].pk: (Decimal("0.00"), c["c"].pk),
        c["e"].pk: (Decimal("0.00"), None),
        c["f"].pk: (Decimal("100.00"), None), c["g"].pk: (Decimal("0.00"), c["f"].pk),
    }  # fmt: skip
    assert claim.total == Decimal("300.00")
    assert "recounted" not in ClaimEvent.objects.get(claim=claim, name="review").changes
