"""以案定补, a quarter walked (issue 17, "Done when"): the system drafts 东村调委's claim for
2026-Q3 from its archived cases, the township strikes one line and changes one class with
reasons, the county approves and publishes, the 公示 list masks party names, the final export
adds up to the cent; a split case (same parties, same type, 60 days apart) counts once, flagged."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.errors import InvalidInput, InvalidState
from county.models import ClaimEvent, ClaimLine, FinalClaim
from registers.claims import claim_xlsx
from tests.county.conftest import at
from workflows import services as s
from workflows.services.subsidies import allowed_steps, mediator_totals, published_lines

pytestmark = pytest.mark.django_db


def line_of(claim, case) -> ClaimLine:
    return claim.lines.get(case=case)


def test_a_quarter_walked(quarter, director, township, supervisor, mediator, mediator2):
    with at(10, 5):
        claim = s.claim_draft(actor=director, organization=quarter["first"].organization,
                              period="2026-Q3")  # fmt: skip
    assert claim.status == "draft"
    assert {line.case_id for line in claim.lines.all()} == {
        quarter[k].pk for k in ("first", "big", "split", "failed")
    }
    first, big = line_of(claim, quarter["first"]), line_of(claim, quarter["big"])
    split, failed = line_of(claim, quarter["split"]), line_of(claim, quarter["failed"])
    assert (first.difficulty, first.amount) == ("ordinary", Decimal("100.00"))
    assert (big.proposed_difficulty, big.amount) == ("complex", Decimal("333.33"))
    assert any("150000" in r for r in big.proposal_reasons)
    # two mediators share equally, to the cent
    assert sorted(sh.amount for sh in big.shares.all()) == [Decimal("166.66"), Decimal("166.67")]
    # the split case counts once and is flagged
    assert split.flags == ["duplicate"] and split.duplicate_of_id == quarter["first"].pk
    assert split.amount == 0
    assert (failed.basis, failed.amount) == ("terminated", Decimal("30.00"))
    assert claim.total == Decimal("463.33")

    with at(10, 6):
        s.claim_transition(claim, "submit", actor=director, version=claim.version)
        with pytest.raises(InvalidInput):
            s.claim_transition(
                claim, "review", actor=township, lines=[{"id": first.pk, "difficulty": "major"}]
            )  # a change without a reason is refused
        s.claim_transition(
            claim,
            "review",
            actor=township,
            lines=[
                {"id": first.pk, "difficulty": "major", "reason": "涉及三户宅基地，调解难度较大"},
                {"id": failed.pk, "struck": True, "reason": "终止调解书缺当事人签收记录"},
            ],
        )
    first.refresh_from_db()
    failed.refresh_from_db()
    assert (first.difficulty, first.difficulty_reason) == ("major", "涉及三户宅基地，调解难度较大")
    assert failed.struck and failed.amount == 0 and "struck" in failed.flags
    assert failed.struck_reason == "终止调解书缺当事人签收记录"
    # the review's event keeps each edit with its reason: the strike as the class change
    review = ClaimEvent.objects.get(claim=claim, name="review")
    assert review.changes["lines"] == [
        {"line": first.pk, "case": quarter["first"].number,
         "reason": "涉及三户宅基地，调解难度较大", "difficulty": ["ordinary", "major"]},
        {"line": failed.pk, "case": quarter["failed"].number,
         "reason": "终止调解书缺当事人签收记录", "struck": True},
    ]  # fmt: skip
    assert review.changes["total"] == "533.33" and "recounted" not in review.changes
    claim.refresh_from_db()
    assert claim.status == "township_reviewed"
    assert claim.total == Decimal("533.33")

    with at(10, 8):
        s.claim_transition(claim, "approve", actor=supervisor)
        s.claim_transition(claim, "publish", actor=supervisor)
        rows = published_lines(claim)
        names = " ".join(r["parties"] for r in rows)
        assert "当事人app1" not in names and "当*****" in names
        assert "finalize" not in allowed_steps(supervisor, claim)
        with pytest.raises(InvalidState) as refused:
            s.claim_transition(claim, "finalize", actor=supervisor)
        assert "公示期7天" in str(refused.value)
    with at(10, 15):
        s.claim_transition(claim, "finalize", actor=supervisor, reason="公示期满无异议")
    claim.refresh_from_db()
    assert claim.status == "final"

    # every step an audited event: who, from, to
    events = list(
        ClaimEvent.objects.filter(claim=claim).values_list(
            "name", "from_status", "to_status", "actor__username"
        )
    )
    assert events == [
        ("draft", "", "draft", "director"),
        ("submit", "draft", "submitted", "director"),
        ("review", "submitted", "township_reviewed", "supervisor_town"),
        ("approve", "township_reviewed", "county_approved", "supervisor"),
        ("publish", "county_approved", "published", "supervisor"),
        ("finalize", "published", "final", "supervisor"),
    ]

    # the finance export: per mediator and per case, both adding up to the claim, to the cent
    book = load_workbook(io.BytesIO(claim_xlsx(claim)))
    people = [r for r in book["按调解员汇总"].iter_rows(min_row=3, values_only=True)]
    assert people[-1][0] == "合计" and Decimal(str(people[-1][1])) == Decimal("533.33")
    assert sum(Decimal(str(r[1])) for r in people[:-1]) == Decimal("533.33")
    lines = [r for r in book["按案件明细"].iter_rows(min_row=2, values_only=True)]
    assert sum(Decimal(str(r[6])) for r in lines[:-1]) == Decimal(str(lines[-1][6])) == claim.total
    assert "当事人app1" not in str(lines)
    totals = dict((u.username, a) for u, a in mediator_totals(claim))
    assert totals == {"mediator": Decimal("366.67"), "mediator2": Decimal("166.66")}

    # a final claim never changes
    with pytest.raises(FinalClaim):
        first.save()
    with pytest.raises(FinalClaim):
        claim.save()
    with pytest.raises(InvalidState):
        s.claim_draft(actor=director, organization=claim.organization, period="2026-Q3")
