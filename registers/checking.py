"""Checking one row: every cell read by its column, then the row against the committee
(regions, dispute types, mediators, numbers already imported), its outcome and its dates."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from cases import choices, identity
from cases.choices import Outcome, Role
from cases.models import DisputeType, Membership, Organization, Region, display_name
from registers.columns import COLUMNS, COLUMNS_BY_KEY, CellError, Column

User = get_user_model()


# --- one row ------------------------------------------------------------------------------
@dataclass
class Row:
    number: int
    values: dict
    ctx: Context
    errors: list[str] = field(default_factory=list)

    def get(self, key, default=None):
        return self.values.get(key, default)

    def error(self, key: str | None, message: str) -> None:
        label = next((c.header for c in COLUMNS if c.key == key), "") if key else ""
        self.errors.append(f"{label}：{message}" if label else message)


class Context:
    """What every row is checked against: the organization's regions, dispute types and
    mediators, loaded once."""

    def __init__(self, organization: Organization):
        self.organization = organization
        regions = Region.objects.filter(path__startswith=organization.region.path)
        self.regions: dict[str, list[Region]] = {}
        for region in regions:
            for name in {region.name, region.full_name}:
                self.regions.setdefault(name, []).append(region)
        self.dispute_types = {}
        for t in DisputeType.objects.filter(taxonomy__is_current=True):
            self.dispute_types[t.code] = self.dispute_types[t.name] = t
        self.mediators: dict[str, list] = {}
        members = Membership.objects.filter(
            organization=organization,
            role__in=[Role.MEDIATOR, Role.DIRECTOR],
            user__is_active=True,
        ).select_related("user")
        for user in {m.user for m in members}:
            for name in {user.username, display_name(user)}:
                self.mediators.setdefault(name, []).append(user)
        self.original_numbers = _imported_numbers(organization)


def _imported_numbers(organization) -> set[str]:
    from workflows.models import CaseEvent

    return set(
        CaseEvent.objects.filter(
            case__organization=organization, name="register", data__imported=True
        )
        .exclude(data__original_number=None)
        .values_list("data__original_number", flat=True)
    )


def parse_row(number: int, cells: list, layout: list, ctx: Context, seen_numbers: set) -> Row:
    row = Row(number, {}, ctx)
    for column, cell in zip(layout, cells, strict=False):
        if column is None:
            continue
        try:
            value = column.parse(cell)
        except CellError as exc:
            row.error(column.key, str(exc))
            continue
        if column.max_length and isinstance(value, str) and len(value) > column.max_length:
            row.error(column.key, f"不能超过{column.max_length}个字")
            continue
        row.values[column.key] = value
    for column in COLUMNS:
        if column.always_required and not row.get(column.key) and not _has_error(row, column):
            row.error(column.key, "必填")
    _check_identities(row)
    _check_references(row, ctx, seen_numbers)
    _check_outcome(row)
    _check_dates(row)
    return row


def _check_identities(row: Row) -> None:
    """Each party's number by its type (cases.identity), the type inferred when left blank."""
    for role in ("applicant", "respondent"):
        number = row.get(f"{role}_id_number") or ""
        id_type = row.get(f"{role}_id_type") or identity.infer_type(number)
        try:
            identity.check(id_type, number, country=row.get(f"{role}_id_country") or "")
        except ValidationError as exc:
            row.error(f"{role}_{identity.field_of(exc)}", exc.messages[0])
        else:
            row.values[f"{role}_id_type"] = id_type


def _has_error(row: Row, column: Column) -> bool:
    return any(e.startswith(f"{column.header}：") for e in row.errors)


def _check_references(row: Row, ctx: Context, seen_numbers: set) -> None:
    if name := row.get("dispute_type"):
        row.values["dispute_type"] = ctx.dispute_types.get(name)
        if row.values["dispute_type"] is None:
            row.error("dispute_type", f"“{name}”不是现行纠纷类型")
    name = row.get("region")
    if not name:
        row.values["region"] = ctx.organization.region
    else:
        found = ctx.regions.get(name, [])
        if len(found) != 1:
            why = "有重名，请写全称" if found else "不在本调委会辖区内"
            row.error("region", f"“{name}”{why}")
        else:
            row.values["region"] = found[0]
    users = []
    for name in row.get("mediators") or []:
        found = ctx.mediators.get(name, [])
        if len(found) == 1:
            users.append(found[0])
        else:
            why = "有重名，请填写用户名" if found else "不是本调委会的调解员"
            row.error("mediators", f"“{name}”{why}")
    row.values["mediators"] = users
    if number := row.get("original_number"):
        if number in ctx.original_numbers:
            row.error("original_number", f"“{number}”已经导入过")
        elif number in seen_numbers:
            row.error("original_number", f"“{number}”在本文件中重复")
        seen_numbers.add(number)


def _check_outcome(row: Row) -> None:
    outcome = row.get("outcome")
    if not outcome:
        return
    declined = outcome == Outcome.DECLINED
    if not declined and not row.get("respondent"):
        row.error("respondent", "除不予受理外必填")
    accepted = not declined and (outcome != Outcome.WITHDRAWN or row.get("mediators"))
    if accepted and not row.get("mediators") and not _has_error(row, COLUMNS_BY_KEY["mediators"]):
        row.error("mediators", "受理后的案件必填")
    ends = (Outcome.DECLINED, Outcome.FAILED, Outcome.WITHDRAWN)
    if outcome in ends and not row.get("closing_reason"):
        row.error("closing_reason", "必填")
    if outcome == Outcome.WITHDRAWN and not row.get("withdrawn_by"):
        row.error("withdrawn_by", "必填")
    if outcome in choices.AGREEMENT_OUTCOMES:
        if not row.get("terms"):
            row.error("terms", "达成协议时必填")
        deadline = COLUMNS_BY_KEY["performance_deadline"]
        if not row.get("performance_deadline") and not _has_error(row, deadline):
            row.error("performance_deadline", "达成协议时必填")
    visit = [k for k in ("visit_method", "performance", "satisfaction") if row.get(k)]
    if row.get("visited_on"):
        if outcome not in choices.AGREEMENT_OUTCOMES:
            row.error("visited_on", "只有达成协议的案件登记回访")
        for key in ("visit_method", "performance", "satisfaction"):
            if not row.get(key) and not _has_error(row, COLUMNS_BY_KEY[key]):
                row.error(key, "填写回访日期时必填")
    elif visit:
        row.error("visited_on", "填写了回访信息，但缺少回访日期")
    elif row.get("archived_on") and outcome in choices.AGREEMENT_OUTCOMES:
        row.error("visited_on", "达成协议的案件须先回访才能归档")


DATE_ORDER = (
    "occurred_on",
    "registered_on",
    "accepted_on",
    "outcome_on",
    "closed_on",
    "visited_on",
    "archived_on",
)


def _check_dates(row: Row) -> None:
    """Each date no earlier than the one before it (the empty ones take their default)."""
    last_key, last = "", None
    for key in DATE_ORDER:
        day = row.get(key)
        if day is None:
            continue
        if last is not None and day < last:
            row.error(key, f"{day} 早于{COLUMNS_BY_KEY[last_key].header} {last}")
        last_key, last = key, day
