"""Indexes the supervision figures need on tables of the cases app (kept here, with the queries
that use them; see docs/ARCHITECTURE.md).

- sup_case_cohort_idx: (region_path, registered_at) INCLUDE every column a figure reads, so the
  cohort of a region subtree and period is one index range read without touching the table
  (PostgreSQL index-only scan). Only where covering indexes exist: elsewhere the cases app's
  case_region_reg_idx already serves the range.
- sup_case_open_deadline_idx: open cases by region and deadline (the overdue list and count).
- sup_case_high_risk_open_idx: open high/critical-risk cases by region (the risk list).
- sup_visit_case_idx: current follow-up visits by case with performance and satisfaction.
"""

from django.db import migrations, models
from django.db.models import Q

OPEN = ["intake", "investigation", "mediation", "closure", "follow_up"]

CASE_INDEXES = [
    (
        True,
        models.Index(
            fields=["region_path", "registered_at"],
            opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            include=[
                "id",
                "status",
                "outcome",
                "risk_level",
                "deadline",
                "dispute_type",
                "source",
                "accepted_at",
                "outcome_at",
                "closed_at",
                "extended_days",
                "amount_involved",
            ],
            name="sup_case_cohort_idx",
        ),
    ),
    (
        False,
        models.Index(
            fields=["region_path", "deadline"],
            opclasses=["varchar_pattern_ops", "date_ops"],
            condition=Q(status__in=OPEN),
            name="sup_case_open_deadline_idx",
        ),
    ),
    (
        False,
        models.Index(
            fields=["region_path", "registered_at"],
            opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            condition=Q(status__in=OPEN, risk_level__in=["high", "critical"]),
            name="sup_case_high_risk_open_idx",
        ),
    ),
]
VISIT_INDEX = models.Index(
    fields=["case"],
    include=["performance", "satisfaction"],
    condition=Q(superseded_by__isnull=True),
    name="sup_visit_case_idx",
)


def _wanted(schema_editor, covering_only: bool) -> bool:
    return not covering_only or schema_editor.connection.features.supports_covering_indexes


def add(apps, schema_editor):
    case = apps.get_model("cases", "Case")
    for covering_only, index in CASE_INDEXES:
        if _wanted(schema_editor, covering_only):
            schema_editor.add_index(case, index)
    schema_editor.add_index(apps.get_model("cases", "FollowUpVisit"), VISIT_INDEX)


def remove(apps, schema_editor):
    case = apps.get_model("cases", "Case")
    for covering_only, index in CASE_INDEXES:
        if _wanted(schema_editor, covering_only):
            schema_editor.remove_index(case, index)
    schema_editor.remove_index(apps.get_model("cases", "FollowUpVisit"), VISIT_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("supervision", "0001_initial"),
    ]

    operations = [migrations.RunPython(add, remove)]
