"""A sweep's reporting units and their progress (SPEC §13): every committee and every grid of the
sweep's region subtree reports — its leads, or a zero report. A lead counts for the deepest unit
whose region holds it (a grid's lead for the grid, not again for its village committee)."""

from __future__ import annotations

from dataclasses import dataclass

from cases.choices import RegionLevel, RiskLevel
from cases.models import Organization, Region
from screening.models import Lead, LeadStatus, Sweep, SweepReport

TRIAGED = {s.value for s in LeadStatus} - {LeadStatus.REPORTED}
RESOLVED = {LeadStatus.RESOLVED, LeadStatus.CONVERTED}


@dataclass(frozen=True)
class Unit:
    region: Region
    organization: Organization | None  # None: a grid

    @property
    def name(self) -> str:
        return self.organization.name if self.organization else self.region.full_name


@dataclass
class UnitProgress:
    unit: Unit
    status: str = "missing"  # reported | zero | missing (SPEC §17)
    leads: int = 0
    high: int = 0  # of them high or critical
    triaged: int = 0
    resolved: int = 0  # resolved on site or converted to a case
    report: SweepReport | None = None


def sweep_units(sweep: Sweep) -> list[Unit]:
    path = sweep.region.path
    units = [
        Unit(o.region, o)
        for o in Organization.objects.filter(region__path__startswith=path).select_related("region")
    ]
    taken = {u.region.pk for u in units}
    units += [
        Unit(r, None)
        for r in Region.objects.filter(path__startswith=path, level=RegionLevel.GRID)
        if r.pk not in taken
    ]
    return sorted(units, key=lambda u: u.region.path)


def unit_for(units: list[Unit], region: Region) -> Unit | None:
    return next((u for u in units if u.region.pk == region.pk), None)


def sweep_progress(sweep: Sweep) -> list[UnitProgress]:
    units = sweep_units(sweep)
    rows = {u.region.path: UnitProgress(u) for u in units}
    deepest_first = sorted(rows, key=len, reverse=True)
    leads = Lead.objects.filter(sweep=sweep).values_list("region_path", "risk_level", "status")
    for region_path, level, status in leads:
        home = next((p for p in deepest_first if region_path.startswith(p)), None)
        if home is None:
            continue
        row = rows[home]
        row.leads += 1
        row.high += level in (RiskLevel.HIGH, RiskLevel.CRITICAL)
        row.triaged += status in TRIAGED
        row.resolved += status in RESOLVED
    for report in SweepReport.objects.filter(sweep=sweep).select_related("region", "by"):
        if report.region.path in rows:
            rows[report.region.path].report = report
    for row in rows.values():
        if row.leads or (row.report and not row.report.zero):
            row.status = "reported"
        elif row.report and row.report.zero:
            row.status = "zero"
    return [rows[u.region.path] for u in units]
