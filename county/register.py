"""Reads of the mediator register that the services and pages share: the county of a committee,
whether the county's register is in use, the assignment rule, training totals and the alerts.

Rollout (a deviation named in the README): the assignment rule applies in a county once its
register is in use — at least one MediatorRecord for a committee in the county — so an existing
deployment keeps assigning until it has loaded its register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import QuerySet, Sum

from cases.choices import RegionLevel
from cases.models import Organization, Region, display_name
from county.models import DEFAULT_MIN_TRAINING_HOURS, MediatorRecord, TrainingRequirement

TERM_ALERT_DAYS = 30
TRAINING_ALERT_DAYS = 60  # before the year's end


def county_of(region: Region) -> Region | None:
    """The county (县/区) at or above `region`, None above county level."""
    ids = [int(p) for p in region.path.split("/") if p]
    return Region.objects.filter(pk__in=ids, level=RegionLevel.COUNTY).first()


def records_in_county(county: Region) -> QuerySet[MediatorRecord]:
    return MediatorRecord.objects.filter(
        organizations__region__path__startswith=county.path
    ).distinct()


def register_in_use(organization: Organization) -> bool:
    county = county_of(organization.region)
    return county is not None and records_in_county(county).exists()


def assignment_problems(
    organization: Organization, users: Sequence[User], on: dt.date
) -> list[str]:
    """Why each of `users` may not be assigned to a case of `organization` on `on` (SPEC §15):
    not in the register for the committee, or the term has ended. Empty while the county's
    register is not in use (module docstring)."""
    if not users or not register_in_use(organization):
        return []
    records = {
        r.user_id: r
        for r in MediatorRecord.objects.filter(
            user__in=users, organizations=organization
        ).distinct()
    }
    problems = []
    for user in users:
        record = records.get(user.pk)
        name = display_name(user)
        if record is None:
            problems.append(f"调解员{name}未登记在本调委会的人民调解员名册中，不能指派")
        elif record.term_ends_on < on:
            problems.append(f"调解员{name}的任期已于{record.term_ends_on}届满，不能指派")
    return problems


def min_training_hours(county: Region | None) -> Decimal:
    found = TrainingRequirement.objects.filter(region=county).first() if county else None
    return found.min_hours if found else DEFAULT_MIN_TRAINING_HOURS


def training_hours(record: MediatorRecord, year: int) -> Decimal:
    total = record.trainings.filter(held_on__year=year).aggregate(s=Sum("hours"))["s"]
    return total if total is not None else Decimal("0")


@dataclass(frozen=True)
class Alert:
    record: MediatorRecord
    kind: str  # term | training
    message: str


def record_county(record: MediatorRecord) -> Region | None:
    org = record.organizations.select_related("region").first()
    return county_of(org.region) if org else None


def alerts_for(record: MediatorRecord, today: dt.date) -> list[Alert]:
    """Term ending within TERM_ALERT_DAYS (or ended); training hours of the year short of the
    county's minimum from TRAINING_ALERT_DAYS before the year's end."""
    found = []
    if record.term_ends_on < today:
        found.append(Alert(record, "term", f"{record.name}的任期已于{record.term_ends_on}届满"))
    elif record.term_ends_on <= today + dt.timedelta(days=TERM_ALERT_DAYS):
        found.append(Alert(record, "term", f"{record.name}的任期将于{record.term_ends_on}届满"))
    year_end = dt.date(today.year, 12, 31)
    if today >= year_end - dt.timedelta(days=TRAINING_ALERT_DAYS):
        tenth = Decimal("0.1")
        minimum = min_training_hours(record_county(record)).quantize(tenth)
        hours = training_hours(record, today.year).quantize(tenth)
        if hours < minimum:
            found.append(
                Alert(
                    record,
                    "training",
                    f"{record.name}{today.year}年培训{hours}学时，低于最低要求{minimum}学时",
                )
            )
    return found
