"""The roll-up of the 排查 table (矛盾纠纷排查调处情况统计表, SPEC §13, §16): each lead's
contribution to screening.models.LeadRollup — a pure function of its row and of what its case
(if it was converted) adds: an agreement, violence, petition history — the difference of two
contributions applied with F() updates in the caller's transaction, and the rebuild from the
leads.

Hooked in workflows.services.leads (the report and every transition) and, for a converted
lead, in the case change tail (workflows.services.change.finish → `case_changed`). The old
figures of a lead's case are those kept in LeadRollupCase (what the roll-up counts now), so a
case change knows what to take away. The rebuild is one grouped pass with `count_aggregates`,
the live query's own filters (supervision.screening_stats reads them from here); the
incremental path uses `contribution`: tests/screening/test_lead_rollup.py checks that both
agree after random sequences of lead and case changes."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from cases.choices import AGREEMENT_OUTCOMES, RiskFactor
from cases.models import Case
from core.upsert import add_rows
from screening.models import LEAD_COUNTS, Lead, LeadRollup, LeadRollupCase, LeadStatus

GROUP_MAJOR, GROUP_FIGHT = 5, 10
AGREED = {str(o) for o in AGREEMENT_OUTCOMES}
VIOLENCE_FACTOR = RiskFactor.VIOLENCE_THREAT.value
PETITION_FACTOR = RiskFactor.PETITION_HISTORY.value
RESOLVED, CONVERTED, REFERRED = (
    str(LeadStatus.RESOLVED),
    str(LeadStatus.CONVERTED),
    str(LeadStatus.REFERRED),
)
# The attributes of a lead `contribution` reads.
FIELDS = (
    "region_path",
    "region_id",
    "found_on",
    "dispute_type_id",
    "sweep_id",
    "people_involved",
    "risk_factors",
    "status",
)
KEY_FIELDS = ("region_path", "region_pk", "month", "dispute_type", "sweep")
# (region path, region pk, first day of the month of found_on, dispute type pk or 0, sweep or 0)
Key = tuple[str, int, dt.date, int, int]


# --- the rules, as SQL filters (the live query and the rebuild) -------------------------------
SUCCESS = Q(status=LeadStatus.RESOLVED) | Q(
    status=LeadStatus.CONVERTED, case__outcome__in=AGREEMENT_OUTCOMES
)


def _factor(name: str) -> Q:
    """The lead or its case records risk factor `name` (JSON text match: both databases)."""
    return Q(risk_factors__icontains=name) | Q(case__risk_factors__icontains=name)


VIOLENCE = _factor(VIOLENCE_FACTOR)
PETITION = _factor(PETITION_FACTOR)


def count_aggregates() -> dict[str, Count]:
    """The counted columns of the table as conditional aggregates over leads."""
    done = SUCCESS
    return {
        "leads": Count("pk"),
        "leads_major": Count("pk", filter=Q(people_involved__gte=GROUP_MAJOR)),
        "handled": Count("pk", filter=Q(status__in=[LeadStatus.CONVERTED, LeadStatus.RESOLVED])),
        "handled_success": Count("pk", filter=done),
        "referred": Count("pk", filter=Q(status=LeadStatus.REFERRED)),
        "prevented_criminal": Count("pk", filter=done & VIOLENCE),
        "prevented_group_petition": Count(
            "pk", filter=done & PETITION & Q(people_involved__gte=GROUP_MAJOR)
        ),
        "prevented_group_fight": Count(
            "pk", filter=done & VIOLENCE & Q(people_involved__gte=GROUP_FIGHT)
        ),
    }


# --- the rules, in Python (one lead) ---------------------------------------------------------
@dataclass(frozen=True)
class CaseFigures:
    """What a converted lead's case adds to the lead's figures."""

    agreed: bool = False
    violence: bool = False
    petition: bool = False


@dataclass(frozen=True)
class Contribution:
    key: Key
    counts: tuple[tuple[str, int], ...]


def records(factors: Any, name: str) -> bool:
    """As the filter `risk_factors__icontains=name`: `name` occurs in the JSON text."""
    return bool(factors) and name in json.dumps(factors, ensure_ascii=False).lower()


def case_figures(outcome: str | None, factors: Any) -> CaseFigures:
    return CaseFigures(
        agreed=str(outcome or "") in AGREED,
        violence=records(factors, VIOLENCE_FACTOR),
        petition=records(factors, PETITION_FACTOR),
    )


def contribution(row: Any, case: CaseFigures | None) -> Contribution:
    """What one lead adds to the roll-up. `row` has the attributes of FIELDS (a Lead, or a
    namespace); `case` what its case adds (None: no case)."""
    key: Key = (
        row.region_path,
        int(row.region_id),
        row.found_on.replace(day=1),
        int(row.dispute_type_id or 0),
        int(row.sweep_id or 0),
    )
    status, people = str(row.status), int(row.people_involved or 0)
    violence = records(row.risk_factors, VIOLENCE_FACTOR) or bool(case and case.violence)
    petition = records(row.risk_factors, PETITION_FACTOR) or bool(case and case.petition)
    done = status == RESOLVED or (status == CONVERTED and bool(case and case.agreed))
    c = {
        "leads": True,
        "leads_major": people >= GROUP_MAJOR,
        "handled": status in (RESOLVED, CONVERTED),
        "handled_success": done,
        "referred": status == REFERRED,
        "prevented_criminal": done and violence,
        "prevented_group_petition": done and petition and people >= GROUP_MAJOR,
        "prevented_group_fight": done and violence and people >= GROUP_FIGHT,
    }
    return Contribution(key=key, counts=tuple((k, 1) for k in LEAD_COUNTS if c[k]))


def counted_case(lead_pk: int) -> CaseFigures | None:
    """The case figures of a lead as the roll-up counts them now (None: no case counted)."""
    row = (
        LeadRollupCase.objects.filter(lead_id=lead_pk)
        .values_list("agreed", "violence", "petition")
        .first()
    )
    return CaseFigures(*row) if row else None


def current(lead: Lead) -> Contribution:
    """The lead's contribution as the roll-up holds it (call before changing the lead)."""
    return contribution(lead, counted_case(lead.pk))


def changed(lead: Lead, before: Contribution | None) -> None:
    """After a lead is saved (inside its transaction): its case figures read afresh and kept,
    and `after - before` added to the roll-up. `before`: `current(lead)` taken before the
    change, None for a new lead."""
    figures = None
    if lead.case_id is not None:
        row = Case.objects.filter(pk=lead.case_id).values_list("outcome", "risk_factors").first()
        figures = case_figures(*row) if row else None
    if figures is None:
        if before is not None:
            LeadRollupCase.objects.filter(lead_id=lead.pk).delete()
    else:
        LeadRollupCase.objects.update_or_create(
            lead_id=lead.pk,
            defaults={
                "agreed": figures.agreed,
                "violence": figures.violence,
                "petition": figures.petition,
            },
        )
    apply(before, contribution(lead, figures))


def case_changed(case: Case) -> None:
    """After a case is saved (workflows.services.change.finish, same transaction): the lead it
    was converted from, if any, counted with the case as it is now. The case is locked before
    the lead (the order of every change that touches both)."""
    lead = Lead.objects.select_for_update().filter(case_id=case.pk).only(*FIELDS, "case_id")
    found = lead.first()
    if found is not None:
        changed(found, current(found))


# --- applying differences -------------------------------------------------------------------
def apply(before: Contribution | None, after: Contribution | None) -> None:
    """Add `after - before` to the roll-up (inside the caller's transaction)."""
    if before == after:
        return
    delta: dict[Key, Counter[str]] = {}
    for c, sign in ((before, -1), (after, 1)):
        if c is not None:
            counts = delta.setdefault(c.key, Counter())
            for name, n in c.counts:
                counts[name] += sign * n
    write(delta)


def write(delta: dict[Key, Counter[str]]) -> None:
    """One additive upsert, rows in key order: two transactions touching the same rows wait for
    each other and never deadlock (core.upsert)."""
    add_rows(LeadRollup, KEY_FIELDS, ((key, dict(counts)) for key, counts in delta.items()))


# --- rebuild and verify ---------------------------------------------------------------------
Rows = dict[Key, dict[str, int]]
Links = dict[int, CaseFigures]


def computed() -> tuple[Rows, Links]:
    """The roll-up as the leads say it should be (one grouped pass; zero entries left out),
    and the case figures of every lead with a case."""
    groups = (
        Lead.objects.order_by()
        .values("region_path", "region_id", "dispute_type_id", "sweep_id", m=TruncMonth("found_on"))
        .annotate(**count_aggregates())
    )
    rows: Rows = {}
    for g in groups:
        key: Key = (
            g["region_path"],
            g["region_id"],
            g["m"],
            g["dispute_type_id"] or 0,
            g["sweep_id"] or 0,
        )
        rows[key] = {k: g[k] for k in LEAD_COUNTS if g[k]}
    links = {
        pk: case_figures(outcome, factors)
        for pk, outcome, factors in Lead.objects.filter(case__isnull=False)
        .order_by()
        .values_list("pk", "case__outcome", "case__risk_factors")
    }
    return _clean(rows), links


def stored() -> tuple[Rows, Links]:
    rows: Rows = {}
    for r in LeadRollup.objects.order_by().values_list(*KEY_FIELDS, *LEAD_COUNTS):
        key: Key = (r[0], r[1], r[2], r[3], r[4])
        rows[key] = {k: v for k, v in zip(LEAD_COUNTS, r[5:], strict=True) if v}
    links = {
        pk: CaseFigures(a, v, p)
        for pk, a, v, p in LeadRollupCase.objects.order_by().values_list(
            "lead_id", "agreed", "violence", "petition"
        )
    }
    return _clean(rows), links


def _clean(rows: Rows) -> Rows:
    return {key: row for key, row in rows.items() if row}


def differences(
    expected: tuple[Rows, Links], actual: tuple[Rows, Links], limit: int = 10
) -> list[str]:
    """The first `limit` differences between two tables, as lines to print."""
    found: list[str] = []
    pairs: tuple[tuple[str, dict[Any, Any], dict[Any, Any]], ...] = (
        ("lead rollup", expected[0], actual[0]),
        ("lead case", expected[1], actual[1]),
    )
    for name, want, have in pairs:
        for key in sorted(set(want) | set(have), key=str):
            if want.get(key) != have.get(key):
                found.append(f"{name} {key}: expected {want.get(key)}, stored {have.get(key)}")
                if len(found) >= limit:
                    return found
    return found


def rebuild() -> int:
    """Replace the roll-up by what the leads say (call inside a transaction); the row count."""
    rows, links = computed()
    LeadRollup.objects.all().delete()
    LeadRollupCase.objects.all().delete()
    LeadRollup.objects.bulk_create(
        [LeadRollup(**dict(zip(KEY_FIELDS, k, strict=True)), **v) for k, v in rows.items()],
        batch_size=5000,
    )
    LeadRollupCase.objects.bulk_create(
        [
            LeadRollupCase(lead_id=pk, agreed=f.agreed, violence=f.violence, petition=f.petition)
            for pk, f in links.items()
        ],
        batch_size=5000,
    )
    return len(rows)
