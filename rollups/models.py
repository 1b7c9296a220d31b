"""The roll-up of the SPEC §7 figures (SPEC §16): one row per leaf region × month of
registration × dispute type × source with the counts of its cases, and a histogram of day
numbers per row for the figures that need one (days to close for the 90th percentile, the
intake and mediation slack for timeliness, the deadline of open cases for overdue_open).

Kept exact in the transaction of each change (`rollups.rollup.apply`, called by
workflows.services.change.finish); `manage.py stats_rebuild [--verify]` recomputes it."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

COUNTS = (
    "received",
    "accepted",
    "closed",
    "agreements_closed",
    "high_risk_open",
    "escalations_prevented",
    "seconds_to_close",
    "status_intake",
    "status_investigation",
    "status_mediation",
    "status_closure",
    "status_follow_up",
    "outcome_declined",
    "outcome_agreement_written",
    "outcome_agreement_oral",
    "outcome_failed",
    "outcome_withdrawn",
    "visits",
    "visits_satisfied",
    "agreements_visited",
    "agreements_performed",
    "judicial_confirmations",
    "ratings",
    "ratings_satisfied",
)


class CaseRollup(models.Model):
    region_path = models.CharField(max_length=255)
    month = models.DateField()  # the first day of the month of registration (Asia/Shanghai)
    dispute_type = models.IntegerField()  # cases.DisputeType pk (no constraint: a sum, not a link)
    source = models.CharField(max_length=32)
    received = models.BigIntegerField(default=0)
    accepted = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    agreements_closed = models.BigIntegerField(default=0)
    high_risk_open = models.BigIntegerField(default=0)
    escalations_prevented = models.BigIntegerField(default=0)
    seconds_to_close = models.BigIntegerField(default=0)
    status_intake = models.BigIntegerField(default=0)
    status_investigation = models.BigIntegerField(default=0)
    status_mediation = models.BigIntegerField(default=0)
    status_closure = models.BigIntegerField(default=0)
    status_follow_up = models.BigIntegerField(default=0)
    outcome_declined = models.BigIntegerField(default=0)
    outcome_agreement_written = models.BigIntegerField(default=0)
    outcome_agreement_oral = models.BigIntegerField(default=0)
    outcome_failed = models.BigIntegerField(default=0)
    outcome_withdrawn = models.BigIntegerField(default=0)
    visits = models.BigIntegerField(default=0)
    visits_satisfied = models.BigIntegerField(default=0)
    agreements_visited = models.BigIntegerField(default=0)
    agreements_performed = models.BigIntegerField(default=0)
    judicial_confirmations = models.BigIntegerField(default=0)
    ratings = models.BigIntegerField(default=0)  # the parties' own (SPEC §14 评价)
    ratings_satisfied = models.BigIntegerField(default=0)
    amount_involved = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["region_path", "month", "dispute_type", "source"], name="rollup_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["region_path", "month"],
                name="rollup_region_month_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            )
        ]


class DayHistogram(models.Model):
    """How many cases of a roll-up key have `day` for `kind`:
    close — tenths of a day from registration to outcome (the percentile's unit);
    intake — local day of outcome − day of registration (closed without acceptance);
    mediation — local day of outcome − day of acceptance − extended days (closed, accepted);
    deadline — the deadline's day number (days since 2000-01-01) of an open case."""

    region_path = models.CharField(max_length=255)
    month = models.DateField()
    dispute_type = models.IntegerField()
    source = models.CharField(max_length=32)
    kind = models.CharField(max_length=16)
    day = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总（天数分布）"
        constraints = [
            models.UniqueConstraint(
                fields=["region_path", "month", "dispute_type", "source", "kind", "day"],
                name="rollup_day_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["region_path", "month"],
                name="rollup_days_region_month_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            )
        ]
