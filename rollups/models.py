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


class Counts(models.Model):
    """The counters of one roll-up row (COUNTS and the amount involved)."""

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
        abstract = True


class CaseRollup(Counts):
    region_path = models.CharField(max_length=255)
    month = models.DateField()  # the first day of the month of registration (Asia/Shanghai)
    dispute_type = models.IntegerField()  # cases.DisputeType pk (no constraint: a sum, not a link)
    source = models.CharField(max_length=32)

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


# --- the region layer: what a city, province or root dashboard reads --------------------------
# The leaf rows above answer for any region subtree, but a city holds about as many of them as it
# has cases. The region layer keeps the same counts per region at the depths in GRAINS (the
# region tree's first levels: a deployment's root, its children, their children): a case counts
# in the row of its ancestor at depth g (or of its own region, when that is shallower). Instead of
# the cross product type × source, each (grain, region, month) has marginals: dim "" (every case),
# "type" (value = the dispute type's pk) and "source". A region at depth d reads its own row at
# grain d (totals, type, source, month) and its children's rows at grain d + 1 (by region): tens
# of rows a month however many cases there are. Count rows are spread over SHARDS by case id, so
# changes in one month do not all queue on one row of the root.
GRAINS = (1, 2, 3)
SHARDS = 8


class RegionRollup(Counts):
    grain = models.PositiveSmallIntegerField()  # the depth of region_path in the tree (1 = root)
    region_path = models.CharField(max_length=255)
    month = models.DateField()
    dim = models.CharField(max_length=8)  # "" | "type" | "source"
    value = models.CharField(max_length=32)  # the dispute type's pk or the source; "" for dim ""
    shard = models.PositiveSmallIntegerField(default=0)  # case id % SHARDS
    # closed on time under the current DeadlineSettings (kept by rollups.rollup: on a change of
    # the settings it is recomputed from the leaf histograms in the same transaction)
    closed_in_time = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总（按区域）"
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "region_path", "month", "dim", "value", "shard"],
                name="region_rollup_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["grain", "dim", "region_path", "month"],
                name="region_rollup_read_idx",
                opclasses=["int2_ops", "varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            )
        ]


class RegionDays(models.Model):
    """The region layer's histograms: `close` (tenths of a day to close, dim "" only: the 90th
    percentile is a figure of the totals) and `deadline` (open cases' deadlines, every dim: overdue
    cases are counted per breakdown). Not sharded: rows spread over the days already."""

    grain = models.PositiveSmallIntegerField()
    region_path = models.CharField(max_length=255)
    month = models.DateField()
    dim = models.CharField(max_length=8)
    value = models.CharField(max_length=32)
    kind = models.CharField(max_length=16)
    day = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总（按区域，天数分布）"
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "region_path", "month", "dim", "value", "kind", "day"],
                name="region_days_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["grain", "kind", "dim", "region_path", "month"],
                name="region_days_read_idx",
                opclasses=[
                    "int2_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "date_ops",
                ],
            )
        ]


class CaseTally(models.Model):
    """How many cases there are per committee × leaf region × status × risk level (SPEC §16:
    a list's exact count without counting its rows). The case lists read it when they are
    filtered by nothing else (workflows.selectors.tally_count); kept by rollups.rollup.apply in
    the change's transaction like the rest, in SHARDS rows by case id so that registrations in
    one committee do not wait for each other's row lock."""

    organization_id = models.BigIntegerField()  # no constraint: a sum, not a link
    region_path = models.CharField(max_length=255)
    status = models.CharField(max_length=16)
    risk_level = models.CharField(max_length=16)
    shard = models.PositiveSmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "案件计数（按调委会、区域、状态、风险）"
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "region_path", "status", "risk_level", "shard"],
                name="case_tally_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["region_path"],
                name="case_tally_region_idx",
                opclasses=["varchar_pattern_ops"],
            )
        ]
