"""以案定补 rules (SPEC §15), pure reads: the quarter's bounds, the class a case is proposed in,
whether a case counts and on which basis, the 90-day duplicate key, the equal split to the
cent, and the masking of names on the 公示 list. workflows.services.subsidies applies them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from cases.choices import Outcome, Performance, RiskLevel, Status
from cases.models import Case
from cases.party_view import village_address
from county.models import CENT, ClaimLine, Difficulty, Grade, ReviewItem, Tariff

DUPLICATE_DAYS = 90
NOTICE_DAYS = 7  # 公示
PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")

# (class, amount from, parties from, risk levels) — the first rule a case meets, from the top.
RULES: list[tuple[str, Decimal, int, tuple[str, ...]]] = [
    (Difficulty.GRAVE, Decimal("500000"), 30, (RiskLevel.CRITICAL,)),
    (Difficulty.COMPLEX, Decimal("100000"), 10, (RiskLevel.HIGH,)),
    (Difficulty.MAJOR, Decimal("20000"), 5, (RiskLevel.MEDIUM,)),
]


def parse_period(text: str) -> tuple[int, int] | None:
    found = PERIOD.match((text or "").strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cross_region(case: Case) -> bool:
    """The dispute reaches beyond the committee's area: its place is outside the committee's
    region (an escalated case), or the parties live in different villages."""
    if not case.region_path.startswith(case.organization.region.path):
        return True
    villages = {village_address(p.address) for p in case.parties.all() if p.address}
    villages.discard("")
    return len(villages) > 1


def propose(case: Case) -> tuple[str, list[str]]:
    """The class the rules propose, with the reasons (Chinese) that put it there."""
    amount = case.amount_involved or Decimal("0")
    people = case.parties.count()
    crossing = cross_region(case)
    for difficulty, from_amount, from_people, risks in RULES:
        reasons = []
        if amount >= from_amount:
            reasons.append(f"涉及金额{amount}元（≥{from_amount}元）")
        if people >= from_people:
            reasons.append(f"涉及当事人{people}人（≥{from_people}人）")
        if case.risk_level in risks:
            reasons.append(f"风险等级为{case.get_risk_level_display()}")
        if difficulty == Difficulty.MAJOR and crossing:
            reasons.append("跨区域纠纷")
        if difficulty == Difficulty.COMPLEX and crossing and amount >= Decimal("50000"):
            reasons.append("跨区域且涉及金额≥50000元")
        if reasons:
            return difficulty, reasons
    return Difficulty.ORDINARY, ["未达到较大纠纷的标准"]


def basis_and_gaps(case: Case, *, dossier_complete: bool) -> tuple[str | None, list[str]]:
    """On which basis a case counts (ClaimLine.Basis), or None with every reason it does not:
    archived, dossier complete, not failed in a file review, agreement performed (已履行/部分履行)
    and followed up, or a properly terminated failed mediation (调解不成, with the reason and the 终止 notice).
    `dossier_complete` is documents.completeness's answer (documents sits above county)."""
    gaps = []
    if case.status != Status.ARCHIVED:
        gaps.append("案件未归档")
    if not dossier_complete:
        gaps.append("卷宗材料不齐全")
    basis: str | None = None
    if case.outcome in (Outcome.AGREEMENT_WRITTEN, Outcome.AGREEMENT_ORAL):
        basis = ClaimLine.Basis.WRITTEN
        if case.outcome == Outcome.AGREEMENT_ORAL:
            basis = ClaimLine.Basis.ORAL
        visit = case.followupvisits.filter(superseded_by=None).order_by("-visited_at").first()
        if visit is None:
            gaps.append("未回访")
        elif visit.performance not in (Performance.PERFORMED, Performance.PARTIALLY_PERFORMED):
            gaps.append("协议未履行")
    elif case.outcome == Outcome.FAILED and case.closing_reason.strip():
        basis = ClaimLine.Basis.TERMINATED
    else:
        gaps.append("既未达成协议并履行，也不是依法终止的调解")
    if not case.mediators.exists():
        gaps.append("没有承办调解员")
    if ReviewItem.objects.filter(case=case, grade=Grade.FAILED).exists():
        gaps.append("卷宗评查不合格")
    return (basis if not gaps else None), gaps


def parties_key(case: Case) -> frozenset[str]:
    """Who the parties are, for the duplicate rule: the ID number where there is one, else
    the name."""
    return frozenset((p.id_number or p.name).strip().upper() for p in case.parties.all() if p.name)


def base_amount(tariff: Tariff, difficulty: str, basis: str) -> Decimal:
    share = {
        ClaimLine.Basis.WRITTEN: Decimal("1"),
        ClaimLine.Basis.ORAL: tariff.oral_share,
        ClaimLine.Basis.TERMINATED: tariff.terminated_share,
    }[ClaimLine.Basis(basis)]
    return money(tariff.amount_for(difficulty) * share)


def split(amount: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """`amount` split by `shares` (summing to 1) to the cent; the cents left over by rounding
    go to the first ones, so the parts always add up to `amount`."""
    parts = [(amount * s).quantize(CENT, rounding="ROUND_DOWN") for s in shares]
    left = int((amount - sum(parts, Decimal("0"))) / CENT)
    for i in range(left):
        parts[i % len(parts)] += CENT
    return parts


def equal_shares(n: int) -> list[Decimal]:
    if n == 0:
        return []
    each = (Decimal(1) / n).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
    shares = [each] * n
    shares[0] += Decimal(1) - each * n
    return shares


def mask_name(name: str) -> str:
    """A party's name on the 公示 list: the first character, the rest as * (张** / 青*****)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def notice_ends(published_at: dt.datetime) -> dt.datetime:
    return published_at + dt.timedelta(days=NOTICE_DAYS)


def notice_over(published_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    return published_at is not None and (now or timezone.now()) >= notice_ends(published_at)
