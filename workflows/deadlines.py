"""The SLA clock (SPEC §6). Deadlines are stored as dates on the case at each transition, so
"due soon" and "overdue" are plain indexed comparisons with today — no nightly job is needed to
read them; `sla_sweep` only records events and sends reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q
from django.utils import timezone

from cases.choices import OPEN_STATUSES, AgreementKind, RiskLevel, Status
from cases.models import Agreement, Case, DeadlineSettings

# Set only while a past case is entered from a register (services' `imported=`): the service
# then dates every change, deadline and risk check at the register's date, not at today.
_clock: ContextVar[dt.datetime | None] = ContextVar("tiaojie_clock", default=None)


def now() -> dt.datetime:
    return _clock.get() or timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())  # Asia/Shanghai (settings.TIME_ZONE)


@contextmanager
def clock_at(moment: dt.datetime | None) -> Iterator[None]:
    """Read the clock as `moment` inside the block (None: the real time)."""
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


def stage_deadline(case: Case, *, on: dt.date | None = None) -> dt.date | None:
    """The deadline of the stage `case` has just entered."""
    conf = DeadlineSettings.current()
    on = on or today()
    status = case.status
    if status == Status.INTAKE:
        return on + dt.timedelta(days=conf.intake_days)
    if status == Status.INVESTIGATION:
        return on + dt.timedelta(days=conf.mediation_days)
    if status == Status.MEDIATION:
        # Investigation and mediation share the 30 days counted from acceptance.
        return case.deadline or on + dt.timedelta(days=conf.mediation_days)
    if status == Status.CLOSURE:
        return on + dt.timedelta(days=conf.closure_days)
    if status == Status.FOLLOW_UP:
        agreement = case.current_agreement
        if agreement and agreement.performance_deadline:
            return agreement.performance_deadline + dt.timedelta(
                days=conf.follow_up_after_performance_days
            )
        return on + dt.timedelta(days=conf.follow_up_without_deadline_days)
    return None


def judicial_window_end(agreement: Agreement) -> dt.date:
    return agreement.effective_on + dt.timedelta(
        days=DeadlineSettings.current().judicial_window_days
    )


# SPEC §13: the 司法确认 window's warning starts on its 25th day (of 30).
JUDICIAL_WARN_FROM_DAY = 25


def judicial_warning_q(on: dt.date | None = None) -> Q:
    """Written agreements (an Agreement filter) from day 25 of their window to its last day with
    no application recorded, of cases where the application can still be made."""
    on = on or today()
    window = DeadlineSettings.current().judicial_window_days
    return Q(
        kind=AgreementKind.WRITTEN,
        superseded_by__isnull=True,
        effective_on__lte=on - dt.timedelta(days=min(JUDICIAL_WARN_FROM_DAY, window)),
        effective_on__gte=on - dt.timedelta(days=window),
        case__status__in=(Status.CLOSURE, Status.FOLLOW_UP, Status.ARCHIVED),
        judicialconfirmation__isnull=True,
    )


def overdue_q(on: dt.date | None = None) -> Q:
    return Q(status__in=OPEN_STATUSES, deadline__lt=on or today())


def due_soon_q(on: dt.date | None = None) -> Q:
    on = on or today()
    soon = on + dt.timedelta(days=DeadlineSettings.current().due_soon_days)
    return Q(status__in=OPEN_STATUSES, deadline__gte=on, deadline__lte=soon)


def deadline_state(case: Case, on: dt.date | None = None) -> str:
    """ "overdue", "due_soon" or "" for one case (the same rule as the querysets)."""
    on = on or today()
    if case.status not in OPEN_STATUSES or not case.deadline:
        return ""
    if case.deadline < on:
        return "overdue"
    if case.deadline <= on + dt.timedelta(days=DeadlineSettings.current().due_soon_days):
        return "due_soon"
    return ""


# --- leads (SPEC §13) -----------------------------------------------------------------------
LEAD_TRIAGE_DAYS_URGENT = 1  # high or critical risk
LEAD_TRIAGE_DAYS = 3
LEAD_WATCH_MAX_DAYS = 30


def lead_triage_due(risk_level: str, on: dt.date) -> dt.date:
    """Any transition out of `reported` is due within 1 day for high/critical, else 3 days."""
    urgent = risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL)
    return on + dt.timedelta(days=LEAD_TRIAGE_DAYS_URGENT if urgent else LEAD_TRIAGE_DAYS)


def lead_overdue_q(on: dt.date | None = None) -> Q:
    """A reported lead past its triage date, a watching one past its next check (a Lead filter)."""
    on = on or today()
    return Q(status="reported", triage_due__lt=on) | Q(status="watching", next_check_on__lt=on)


def lead_due(
    status: str, triage_due: dt.date | None, next_check_on: dt.date | None
) -> dt.date | None:
    """The date the lead is due by in its state (None once it has left reported/watching)."""
    if status == "reported":
        return triage_due
    if status == "watching":
        return next_check_on
    return None
